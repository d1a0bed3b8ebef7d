// The HTML report's content without a browser: the data it embeds (leaderboard, a series
// per varied param with mean/std/n, curves, failed runs), that stored texts cannot break
// out of the page, the inlined library, and clear errors. test_report_browser.cpp draws it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report_store.hpp"
#include "setfit/errors.hpp"
#include "setfit/report.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

// The JSON between the report-data script element's tags.
nlohmann::json embedded_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto begin = page.find(open);
  EXPECT_NE(begin, std::string::npos);
  const auto end = page.find("</script>", begin);
  return nlohmann::json::parse(page.substr(begin + open.size(), end - begin - open.size()));
}

TEST(Report, EmbedsWhatTheChartsDraw) {
  test::TempDir dir;
  const auto made = test::make_report_store(dir.path());
  ReportSummary summary;
  const std::string page = render_report(made.file, {}, &summary);
  const auto data = embedded_data(page);

  EXPECT_EQ(data["title"], "sweep grid");
  EXPECT_EQ(data["metric"], "accuracy");
  EXPECT_EQ(data["finished"], made.finished);
  EXPECT_EQ(data["leaderboard"]["rows"].size(), made.configs);
  // Best first: batch 16, linear has accuracy 0.81 + 0.002 * seed over seeds 0 and 1.
  const auto& best = data["leaderboard"]["rows"][0];
  EXPECT_EQ(best[1], 16.0);
  EXPECT_EQ(best[2], "linear");
  EXPECT_NEAR(best[3].get<double>(), 0.811, 1e-12);
  EXPECT_NEAR(best[4].get<double>(), std::sqrt(2.0) * 0.001, 1e-12);  // sample std of 2
  EXPECT_EQ(best[5], 2.0);

  ASSERT_EQ(data["parameters"].size(), made.params);
  const auto& batch = data["parameters"][0];
  EXPECT_EQ(batch["name"], "params.embedding.batch_size");
  ASSERT_EQ(batch["points"].size(), 2u);
  EXPECT_EQ(batch["points"][0]["value"], 8.0);  // in the param's order
  EXPECT_EQ(batch["points"][0]["n"], 6.0);
  EXPECT_EQ(batch["points"][1]["n"], 5.0);  // the failed run is not counted
  EXPECT_EQ(data["parameters"][1]["name"], "params.model.head");

  EXPECT_EQ(data["curves"]["loss"].size(), made.finished);
  EXPECT_EQ(data["curves"]["eval"].size(), made.finished);
  EXPECT_EQ(data["curves"]["loss"][0]["points"].size(), made.loss_points);
  ASSERT_EQ(data["failed"].size(), made.failed);
  EXPECT_EQ(data["failed"][0]["stage"], "embedding");
  EXPECT_EQ(data["failed"][0]["error"], test::kHostileError);

  EXPECT_EQ(summary.configs, made.configs);
  EXPECT_EQ(summary.failed, made.failed);
  EXPECT_EQ(summary.bytes, page.size());
  EXPECT_TRUE(contains(page, "Licensed to the Apache Software Foundation"));  // ECharts inline
  EXPECT_FALSE(contains(page, "src=\"http"));                                 // nothing fetched
}

TEST(Report, StoredTextsCannotEndTheDataElement) {
  test::TempDir dir;
  const auto made = test::make_report_store(dir.path());
  const std::string page = render_report(made.file, {});
  EXPECT_FALSE(contains(page, test::kHostileError));
  EXPECT_FALSE(contains(page, "<script>window.pwned"));
}

TEST(Report, CurvesAreLimitedToTheBestRunsAndThinned) {
  test::TempDir dir;
  const auto made = test::make_report_store(dir.path());
  ReportOptions options;
  options.curve_runs = 3;
  options.curve_points = 7;
  const auto data = embedded_data(render_report(made.file, options));
  EXPECT_EQ(data["curves"]["runs_drawn"], 3);
  EXPECT_EQ(data["curves"]["runs_total"], made.finished);
  ASSERT_EQ(data["curves"]["loss"].size(), 3u);
  const auto& points = data["curves"]["loss"][0]["points"];
  ASSERT_EQ(points.size(), 7u);
  EXPECT_EQ(points.front()[0], 0);
  EXPECT_EQ(points.back()[0], made.loss_points - 1);
  // The best run (batch 16, linear, seed 1) comes first.
  EXPECT_EQ(data["curves"]["loss"][0]["label"].get<std::string>().rfind("run ", 0), 0u);
}

TEST(Report, WhereSelectsTheRuns) {
  test::TempDir dir;
  const auto made = test::make_report_store(dir.path());
  ReportOptions options;
  options.where = "head = 'linear'";
  const auto data = embedded_data(render_report(made.file, options));
  EXPECT_EQ(data["leaderboard"]["rows"].size(), 2u);
  EXPECT_EQ(data["runs"], 6);
}

TEST(Report, WritesTheFileInPlace) {
  test::TempDir dir;
  const auto made = test::make_report_store(dir.path());
  const auto out = dir.path() / "report.html";
  const ReportSummary summary = write_report(made.file, out, {});
  EXPECT_EQ(std::filesystem::file_size(out), summary.bytes);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_FALSE(contains(entry.path().filename().string(), ".partial"));
}

TEST(Report, AStoreOfFailedRunsStillReportsThem) {
  test::TempDir dir;
  const auto file = dir.path() / "failed.db";
  auto store = RunStore::open(file);
  for (const char* key : {"a", "b"}) {
    const auto id = store->ensure_run(std::nullopt, key);
    store->start_run(id, 1, "host");
    store->finish_run(id, RunStatus::Failed, "classifier", "head diverged");
  }
  const auto data = embedded_data(render_report(file, {}));
  EXPECT_EQ(data["leaderboard"]["rows"].size(), 0u);
  EXPECT_EQ(data["failed"].size(), 2u);
  EXPECT_EQ(data["failed"][0]["stage"], "classifier");
}

TEST(Report, ClearErrors) {
  test::TempDir dir;
  const auto made = test::make_report_store(dir.path());
  const auto message = [&](const std::filesystem::path& db, const std::filesystem::path& out,
                           const ReportOptions& options) {
    try {
      write_report(db, out, options);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_TRUE(
      contains(message(made.file, dir.path() / "missing" / "r.html", {}), "does not exist"));
  ReportOptions unknown;
  unknown.sweep = "nope";
  EXPECT_TRUE(contains(message(made.file, dir.path() / "r.html", unknown), "nope"));
  const auto empty = dir.path() / "empty.db";
  RunStore::open(empty);
  EXPECT_TRUE(contains(message(empty, dir.path() / "r.html", {}), "no runs to report"));
  EXPECT_TRUE(
      contains(message(dir.path() / "absent.db", dir.path() / "r.html", {}), "no such run store"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "r.html"));
}

}  // namespace
}  // namespace setfit
