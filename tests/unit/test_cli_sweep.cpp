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

// `setfit sweep expand` of NAME.toml: a sweep named NAME on `body` with train = "t.jsonl",
// then `rest` (which starts on line 7).
test::CommandResult expand_with(const test::TempDir& dir, const std::string& name,
                                const std::string& body, const std::string& rest) {
  const auto file = dir.path() / (name + ".toml");
  std::ofstream(file) << "[sweep]\nname = \"" << name
                      << "\"\n[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"" << body << "\"\n"
                      << rest;
  return test::run_command(kCli + " sweep expand " + file.string());
}
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

// A bad value in a fixed table (the same in every run) is named by its line and column in
// the sweep file, as in a config file; a grid value by the grid's place.
TEST(CliSweep, BadFixedValuesNameTheirLineAndColumn) {
  test::TempDir dir;
  const auto body = test::golden_dir("bert-tiny").string();
  auto r = expand_with(dir, "f", body,
                       "head_params = { C = \"big\" }\n[args]\nnum_iterations = "
                       "\"five\"\n[grid]\nnum_epochs = [[1, 2], [1, 3]]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "f.toml:9:18: [args] key 'num_iterations': expected an integer"))
      << r.err;
  r = expand_with(dir, "g", body, "head_params = { C = \"big\" }\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "g.toml:7:21: [model] head_params.C")) << r.err;
  EXPECT_TRUE(contains(r.err, "expects float, got string")) << r.err;
}

TEST(CliSweep, BadGridValuesNameTheRunAndWhatTheGridSet) {
  test::TempDir dir;
  const auto body = test::golden_dir("bert-tiny").string();
  auto r =
      expand_with(dir, "s", body, "[grid]\nloss = [\"CosineSimilarityLoss\", \"NoSuchLoss\"]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run 2 of 2 (args.loss = \"NoSuchLoss\" at ")) << r.err;
  EXPECT_TRUE(contains(r.err, "s.toml:8:33)")) << r.err;  // where the grid value is
  EXPECT_TRUE(contains(r.err, "NoSuchLoss")) << r.err;
  r = expand_with(dir, "p", body, "[grid]\nbatch_size = [16, [1, 2, 3]]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run 2 of 2 (args.batch_size = [1, 2, 3] at ")) << r.err;
  EXPECT_TRUE(contains(r.err, "grid value args.batch_size: expected an integer or a list of two"))
      << r.err;
  r = expand_with(dir, "h", body, "[grid]\n\"head_params.D\" = [1.0]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "model.head_params.D = 1.0 at ")) << r.err;
  r = test::run_command(kCli + " sweep launch x.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown subcommand 'launch'")) << r.err;
}

// What used to fail in every worker after training now fails `sweep expand` (and so
// `sweep run` before anything is recorded): a misspelt sweep metric, an unknown [eval]
// average, a float that is not finite.
TEST(CliSweep, LateFailuresAreExpandTimeErrors) {
  test::TempDir dir;
  const auto body = test::golden_dir("bert-tiny").string();
  const auto expand = [&](const std::string& name, const std::string& sweep_keys,
                          const std::string& tables, const std::string& grid = "seed = [1, 2]") {
    std::ofstream(dir.path() / (name + ".toml"))
        << "[sweep]\nname = \"" << name << "\"\n"
        << sweep_keys << "[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"" << body << "\"\n"
        << tables << "[grid]\n"
        << grid << "\n";
    return test::run_command(kCli + " sweep expand " + (dir.path() / (name + ".toml")).string());
  };
  auto r = expand("metric", "metric = \"acuracy\"\n", "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run 1 of 2")) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "[sweep] metric 'acuracy' is not one the run computes ([eval] "
                       "metrics: accuracy); did you mean 'accuracy'?"))
      << r.err;
  r = expand("f1", "metric = \"f1\"\n", "[eval]\nmetrics = [\"accuracy\", \"f1\"]\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = expand("average", "", "[eval]\naverage = \"bogus\"\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err,
                       "[eval] average must be one of binary, macro, micro, weighted for "
                       "single-label data, got 'bogus'"))
      << r.err;
  r = expand("nan", "", "[args]\nbody_learning_rate = nan\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err,
                       "nan.toml:8:22: [args] key 'body_learning_rate': expected a finite "
                       "number, got nan"))
      << r.err;
  r = expand("long", "", "[args]\nmax_length = 100\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "key 'max_length': max_length 100 is longer than the 64 positions"))
      << r.err;
  std::ofstream(dir.path() / "a-file") << "x\n";
  r = expand("checkpoints", "",
             "[args]\nsave_strategy = \"epoch\"\noutput_dir = \"" +
                 (dir.path() / "a-file" / "checkpoints").string() + "\"\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "key 'output_dir': checkpoints cannot go to")) << r.err;
  EXPECT_TRUE(contains(r.err, "a-file is a file")) << r.err;
  r = expand("inf", "", "", "body_learning_rate = [1e-5, inf]");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run 2 of 2")) << r.err;
  EXPECT_TRUE(contains(r.err, "expected a finite number, got inf")) << r.err;
}

// Sweep sizes are counted before anything is expanded: a 10^12-run grid is a clear error
// naming its factors, not an out-of-memory kill.
TEST(CliSweep, GridsLargerThanMaxRunsAreRefusedBeforeExpansion) {
  test::TempDir dir;
  const auto body = test::golden_dir("bert-tiny").string();
  std::string hundred = "[";
  for (int i = 1; i <= 100; ++i) hundred += std::to_string(i) + (i < 100 ? ", " : "]");
  std::ofstream(dir.path() / "huge.toml")
      << "[sweep]\nname = \"huge\"\n[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"" << body
      << "\"\n[grid]\nseed = " << hundred << "\nnum_iterations = " << hundred
      << "\nlogging_steps = " << hundred << "\nsave_steps = " << hundred
      << "\nmax_length = " << hundred << "\neval_steps = " << hundred << "\n";
  auto r = test::run_command(kCli + " sweep expand " + (dir.path() / "huge.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err,
                       "huge.toml: the sweep has 1000000000000 runs (100 x 100 x 100 x 100 "
                       "x 100 x 100 x 1 seed), more than the limit of 100000"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "--max-runs")) << r.err;
  r = test::run_command(kCli + " sweep run " + (dir.path() / "huge.toml").string() + " --db " +
                        (dir.path() / "runs.db").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "more than the limit of 100000")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "runs.db"));  // nothing recorded
  std::ofstream(dir.path() / "small.toml")
      << "[sweep]\nname = \"small\"\nseeds = [1, 2, 3]\n[data]\ntrain = \"t.jsonl\"\n[model]\n"
      << "body = \"" << body << "\"\n[grid]\nhead = [\"linear\", \"logistic_regression\"]\n";
  r = test::run_command(kCli + " sweep expand " + (dir.path() / "small.toml").string() +
                        " --max-runs 5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the sweep has 6 runs (2 x 3 seeds), more than the limit of 5"))
      << r.err;
  r = test::run_command(kCli + " sweep expand " + (dir.path() / "small.toml").string() +
                        " --max-runs 6");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace setfit
