// The report in a real browser: `setfit report` writes it, headless Chromium loads it from
// disk (no network), and the page's status (what each chart drew, read back after the
// scripts ran) must match the store, with no errors. A screenshot is kept in the build tree
// (tests/report-screenshot.png) for a person to look at.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

std::string chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return "";
}

std::string headless(const std::filesystem::path& profile) {
  return chromium() + " --headless --no-sandbox --disable-gpu --no-first-run" +
         " --disable-extensions --user-data-dir=" + profile.string() +
         " --virtual-time-budget=20000";
}

nlohmann::json page_status(const std::string& dom) {
  const std::string open = "<pre id=\"report-status\">";
  const auto begin = dom.find(open);
  if (begin == std::string::npos) return nullptr;
  const auto end = dom.find("</pre>", begin);
  std::string text = dom.substr(begin + open.size(), end - begin - open.size());
  // The DOM serialiser escapes &, < and > in text.
  for (const auto& [entity, plain] : std::vector<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at))
      text.replace(at, entity.size(), plain);
  }
  return nlohmann::json::parse(text, nullptr, false);
}

TEST(ReportBrowser, ChromiumDrawsEveryChart) {
  ASSERT_FALSE(chromium().empty())
      << "headless Chromium is needed for this test: scripts/install-deps installs it";
  test::TempDir dir;
  const auto made = test::make_report_store(dir.path());
  const auto html = dir.path() / "report.html";
  const auto written = test::run_command(std::string(SETFIT_TEST_CLI) + " report " +
                                         made.file.string() + " --sweep grid -o " + html.string());
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_TRUE(contains(written.out, "4 configurations"));

  const auto dumped =
      test::run_command(headless(dir.path() / "profile") +
                        " --enable-logging=stderr --v=0 --dump-dom file://" + html.string());
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  const auto status = page_status(dumped.out);
  ASSERT_TRUE(status.is_object()) << dumped.out.substr(0, 2000);
  EXPECT_TRUE(status["done"].get<bool>());
  EXPECT_EQ(status["errors"], nlohmann::json::array()) << status["errors"].dump();
  EXPECT_FALSE(contains(dumped.err, "Uncaught")) << dumped.err;
  // The failed run's hostile error is shown as text in its table, not run as markup.
  EXPECT_FALSE(contains(dumped.out, "<script>window.pwned"));
  EXPECT_TRUE(contains(dumped.out, "&lt;script&gt;window.pwned=1&lt;/script&gt;"));

  const auto& charts = status["charts"];
  // The metric against each varied param: the means and their error bars, a point a value.
  for (std::size_t i = 0; i < made.params; ++i) {
    const auto& chart = charts["param-" + std::to_string(i)];
    EXPECT_EQ(chart["series"], 2) << chart.dump();
    EXPECT_EQ(chart["points"], nlohmann::json::array({2, 2})) << chart.dump();
    EXPECT_GT(chart["shapes"].get<int>(), 0);
  }
  EXPECT_EQ(charts["curves-loss"]["series"], made.finished);
  EXPECT_EQ(charts["curves-loss"]["points"][0], made.loss_points);
  EXPECT_EQ(charts["curves-eval"]["series"], made.finished);
  EXPECT_EQ(charts["parallel"]["points"], nlohmann::json::array({made.configs}));
  for (const char* id : {"curves-loss", "curves-eval", "parallel"})
    EXPECT_GT(charts[id]["shapes"].get<int>(), 0) << id;
  EXPECT_EQ(status["tables"]["leaderboard"], made.configs);
  EXPECT_EQ(status["tables"]["failed"], made.failed);

  const auto screenshot = std::filesystem::path(SETFIT_TEST_OUTPUT_DIR) / "report-screenshot.png";
  std::filesystem::remove(screenshot);
  const auto shot = test::run_command(
      headless(dir.path() / "profile") + " --hide-scrollbars" +
      " --window-size=1280,3600 --screenshot=" + screenshot.string() + " file://" + html.string());
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  ASSERT_TRUE(std::filesystem::exists(screenshot));
  EXPECT_GT(std::filesystem::file_size(screenshot), 50'000u);  // a page of charts, not a blank
}

}  // namespace
}  // namespace setfit
