// A sweep planned into a manifest folder, its tasks run as separate processes (as a job array
// would run them), their stores published and collected: the same run keys and bit-identical
// results as `setfit sweep run`, collecting twice changes nothing, and missing, unfinished and
// broken pieces are named.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "golden.hpp"
#include "setfit/run_store.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

using test::contains;
const std::string kCli = SETFIT_TEST_CLI;
const std::string kHazard = std::string(SETFIT_TEST_FIXTURE_PLUGIN_DIR) + "/hazard";

class SweepManifestTest : public ::testing::Test {
 protected:
  std::filesystem::path write_sweep(const std::string& name, const std::string& grid) {
    return test::write_tiny_sweep(dir_.path(), name, test::golden_dir("bert-tiny"), grid);
  }
  std::string cli(const std::string& args) const {
    return kCli + " --plugin-dir " + kHazard + " " + args;
  }
  // Plans FILE into DIR and runs every task; returns the number of tasks.
  std::size_t plan_and_run_tasks(const std::filesystem::path& file,
                                 const std::filesystem::path& dir) {
    auto r = test::run_command(cli("sweep plan " + file.string() + " --dir " + dir.string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto manifest = nlohmann::json::parse(test::read_file(dir / "manifest.json"));
    const auto tasks = manifest["tasks"].get<std::size_t>();
    for (std::size_t i = 0; i < tasks; ++i) {
      // One LibTorch thread, as each of `sweep run --jobs CORES`'s workers: bit-identical sums.
      test::run_command(cli("--threads 1 sweep worker --manifest " + dir.string() + " --index " +
                            std::to_string(i) + " --scratch " + (dir_.path() / "local").string()));
    }
    return tasks;
  }
  test::TempDir dir_;
};

TEST_F(SweepManifestTest, TasksCollectedGiveTheRunsAndResultsOfSweepRun) {
  const auto file = write_sweep(
      "planned", "head = [\"logistic_regression\", \"linear\"]\nnum_iterations = [1, 2]");
  const auto plan = dir_.path() / "plan";
  std::filesystem::create_directories(dir_.path() / "local");
  EXPECT_EQ(plan_and_run_tasks(file, plan), 4u);  // one task per stage-1 group
  const auto collected = dir_.path() / "collected.db";
  auto r = test::run_command(cli("sweep collect " + plan.string() + " --db " + collected.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "8 runs added, 0 replaced, 0 unchanged; integrity ok")) << r.out;
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "local"));  // scratch stores removed
  // Collecting again changes nothing.
  r = test::run_command(cli("sweep collect " + plan.string() + " --db " + collected.string()));
  EXPECT_TRUE(contains(r.out, "0 runs added, 0 replaced, 8 unchanged")) << r.out;

  const auto direct = dir_.path() / "direct.db";
  const auto cores = std::max(1u, std::thread::hardware_concurrency());
  r = test::run_command(cli("sweep run " + file.string() + " --db " + direct.string() + " --jobs " +
                            std::to_string(cores)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto a = RunStore::open(collected, false);
  auto b = RunStore::open(direct, false);
  std::map<std::string, RunRow> by_key;
  for (const auto& row : b->runs(std::nullopt)) by_key[row.run_key] = row;
  const auto rows = a->runs(std::nullopt);
  ASSERT_EQ(rows.size(), 8u);
  for (const auto& row : rows) {
    ASSERT_TRUE(by_key.count(row.run_key)) << row.run_key;
    const auto& twin = by_key.at(row.run_key);
    EXPECT_EQ(row.status, RunStatus::Finished);
    EXPECT_EQ(a->summary(row.id)[0].value, b->summary(twin.id)[0].value);
    const auto x = a->metrics(row.id), y = b->metrics(twin.id);
    ASSERT_EQ(x.size(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].value, y[i].value);
  }
  // The collected store is the sweep's store: `sweep run` on it finds nothing to do.
  r = test::run_command(cli("sweep run " + file.string() + " --db " + collected.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "8 runs, 0 to do")) << r.err;
}

TEST_F(SweepManifestTest, MissingAndUnfinishedTasksAreNamedAndRetriedTasksReplaceTheirStore) {
  // Tasks 0 and 1 train a crashing loss (the worker process dies; the task publishes its runs
  // FAILED), 2 and 3 a diverging one (published, not finished), 4 and 5 finish; task 5's
  // store then goes missing.
  const auto file =
      write_sweep("hazards", "loss = [\"CrashingLoss\", \"NanLoss\", \"CosineSimilarityLoss\"]");
  const auto plan = dir_.path() / "plan";
  std::filesystem::create_directories(dir_.path() / "local");
  plan_and_run_tasks(file, plan);
  std::filesystem::remove(plan / "shards" / "task-5.db");
  const auto db = dir_.path() / "runs.db";
  auto r = test::run_command(cli("sweep collect " + plan.string() + " --db " + db.string()));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "tasks without a published store: 5")) << r.out;
  EXPECT_TRUE(contains(r.out, "tasks with runs not FINISHED: 0, 1, 2, 3")) << r.out;
  EXPECT_TRUE(contains(r.out, "5 runs added")) << r.out;
  {
    auto store = RunStore::open(db, false);
    std::size_t crashed = 0;
    for (const auto& row : store->runs(std::nullopt))
      crashed += row.status == RunStatus::Failed && contains(row.error, "signal 11");
    EXPECT_EQ(crashed, 2u);
  }
  EXPECT_TRUE(contains(r.out, "integrity ok")) << r.out;
  // A task run again replaces its published store whole; the same results merge as unchanged.
  // Under Slurm the thread count comes from SLURM_CPUS_PER_TASK.
  r = test::run_command("SLURM_CPUS_PER_TASK=1 " +
                        cli("sweep worker --manifest " + plan.string() + " --index 4 --scratch " +
                            (dir_.path() / "local").string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "task 4: 1 run of sweep 'hazards', 1 thread")) << r.err;
  r = test::run_command(cli("sweep collect " + plan.string() + " --db " + db.string()));
  EXPECT_TRUE(contains(r.out, "0 runs added, 0 replaced, 5 unchanged; integrity ok")) << r.out;
  EXPECT_FALSE(contains(r.out, "conflict")) << r.out;
}

TEST_F(SweepManifestTest, BadManifestsShardsAndIndexesAreClearErrors) {
  const auto file = write_sweep("bad", "head = [\"logistic_regression\"]");
  const auto plan = dir_.path() / "plan";
  auto r = test::run_command(cli("sweep plan " + file.string() + " --dir " + plan.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_command(cli("sweep worker --manifest " + plan.string() + " --index 7"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no task 7; the manifest has tasks 0 to 1")) << r.err;
  // An unwritable shards folder: the task says so and keeps its trained store.
  std::filesystem::remove_all(plan / "shards");
  std::ofstream(plan / "shards") << "a file where the folder should be\n";
  r = test::run_command(cli("--threads 1 sweep worker --manifest " + plan.string() +
                            " --index 1 --scratch " + dir_.path().string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "cannot publish task 1's store")) << r.err;
  EXPECT_TRUE(contains(r.err, "it is kept at " + dir_.path().string())) << r.err;
  std::filesystem::remove(plan / "shards");
  std::filesystem::create_directories(plan / "shards");
  std::ofstream(plan / "shards" / "task-0.db") << "not a store\n";
  r = test::run_command(
      cli("sweep collect " + plan.string() + " --db " + (dir_.path() / "c.db").string()));
  // Listed and left where it is; the other task's store merges.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "task 0: its published store is not readable, left out")) << r.out;
  EXPECT_TRUE(contains(r.out, "task-0.db")) << r.out;
  EXPECT_EQ(test::read_file(plan / "shards" / "task-0.db"), "not a store\n");
  auto manifest = nlohmann::json::parse(test::read_file(plan / "manifest.json"));
  manifest["setfit_manifest_version"] = 99;
  std::ofstream(plan / "manifest.json") << manifest.dump();
  r = test::run_command(cli("sweep worker --manifest " + plan.string() + " --index 0"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "a manifest of version 99; this setfit reads version 2")) << r.err;
  r = test::run_command(cli("sweep collect " + (dir_.path() / "nowhere").string() + " --db " +
                            (dir_.path() / "c.db").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "manifest.json")) << r.err;
}

}  // namespace
}  // namespace setfit
