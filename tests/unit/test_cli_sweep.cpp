// `setfit sweep expand`: the shipped sweeps expand and validate; a bad grid value is named
// with its run and the grid values that produced it; nothing runs or is written.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;
const std::string kCli = SETFIT_TEST_CLI;
const std::string kSweeps = std::string(SETFIT_TEST_DATA_DIR) + "/../../sweeps";

TEST(CliSweep, TheQuickstartSweepExpandsToEighteenValidRuns) {
  test::TempDir cache;
  auto r = test::run_command(kCli + " --cache-dir " + cache.path().string() + " sweep expand " +
                             kSweeps + "/quickstart.toml --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["count"], 18);
  EXPECT_EQ(json["runs"].size(), 18u);
  EXPECT_EQ(json["runs"][17]["config"]["model"]["head"], "linear");
  EXPECT_EQ(json["runs"][17]["config"]["args"]["seed"], 2);
  // No side effect: nothing was fetched into the cache.
  EXPECT_TRUE(std::filesystem::is_empty(cache.path()));
  r = test::run_command(kCli + " sweep expand " + kSweeps + "/quickstart.toml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "sweep 'quickstart': 18 runs (grid, seeds 0 1 2)")) << r.out;
}

TEST(CliSweep, BadGridValuesNameTheRunAndWhatTheGridSet) {
  test::TempDir dir;
  const auto body = test::golden_dir("bert-tiny").string();
  std::ofstream(dir.path() / "s.toml")
      << "[sweep]\nname = \"s\"\n[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"" << body
      << "\"\n[grid]\nloss = [\"CosineSimilarityLoss\", \"NoSuchLoss\"]\n";
  auto r = test::run_command(kCli + " sweep expand " + (dir.path() / "s.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run 2 of 2 (args.loss = \"NoSuchLoss\" at ")) << r.err;
  EXPECT_TRUE(contains(r.err, "s.toml:8:33)")) << r.err;  // where the grid value is
  EXPECT_TRUE(contains(r.err, "NoSuchLoss")) << r.err;
  std::ofstream(dir.path() / "p.toml")
      << "[sweep]\nname = \"p\"\n[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"" << body
      << "\"\n[grid]\nbatch_size = [16, [1, 2, 3]]\n";
  r = test::run_command(kCli + " sweep expand " + (dir.path() / "p.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run 2 of 2 (args.batch_size = [1, 2, 3] at ")) << r.err;
  EXPECT_TRUE(contains(r.err, "grid value args.batch_size: expected an integer or a list of two"))
      << r.err;
  std::ofstream(dir.path() / "h.toml")
      << "[sweep]\nname = \"h\"\n[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"" << body
      << "\"\n[grid]\n\"head_params.D\" = [1.0]\n";
  r = test::run_command(kCli + " sweep expand " + (dir.path() / "h.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "model.head_params.D = 1.0 at ")) << r.err;
  r = test::run_command(kCli + " sweep launch x.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown subcommand 'launch'")) << r.err;
}

}  // namespace
}  // namespace setfit
