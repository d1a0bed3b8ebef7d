// How a sweep's tasks map onto a Slurm job array (without a cluster): ranges, the cap on
// tasks at once, striding past MaxArraySize, the scripts, the task list and a strided worker.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/run_store.hpp"
#include "setfit/slurm.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

using test::contains;

TEST(SlurmArrayPlan, TaskNumbersBelowTheLimitAreTheIndicesInRanges) {
  const auto plan = plan_slurm_array({0, 1, 2, 3, 5, 9, 10, 11}, 1001, 0);
  EXPECT_EQ(plan.array, "0-3,5,9-11");
  EXPECT_EQ(plan.stride, 0u);
  EXPECT_EQ(plan.indices, 8u);
  EXPECT_EQ(plan_slurm_array({7}, 1001, 4).array, "7%4");
  EXPECT_EQ(array_index_tasks({3, 5}, plan_slurm_array({3, 5}, 1001, 0), 5),
            std::vector<std::size_t>{5});
  EXPECT_TRUE(array_index_tasks({3, 5}, plan_slurm_array({3, 5}, 1001, 0), 4).empty());
}

TEST(SlurmArrayPlan, TasksPastMaxArraySizeStrideOverTheIndices) {
  std::vector<std::size_t> tasks(25);
  for (std::size_t i = 0; i < tasks.size(); ++i) tasks[i] = i;
  const auto plan = plan_slurm_array(tasks, 11, 3);
  EXPECT_EQ(plan.stride, 10u);
  EXPECT_EQ(plan.array, "0-9%3");
  // Every task exactly once over the indices.
  std::vector<int> seen(tasks.size(), 0);
  for (std::size_t index = 0; index < plan.indices; ++index)
    for (auto task : array_index_tasks(tasks, plan, index)) ++seen[task];
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 25);
  EXPECT_EQ(array_index_tasks(tasks, plan, 4), (std::vector<std::size_t>{4, 14, 24}));
  // A resubmitted list with a large task number strides over the list, not the numbers.
  const std::vector<std::size_t> left = {2, 40, 41};
  const auto again = plan_slurm_array(left, 11, 0);
  EXPECT_EQ(again.array, "0-2");
  EXPECT_EQ(array_index_tasks(left, again, 1), std::vector<std::size_t>{40});
  EXPECT_THROW(plan_slurm_array({}, 11, 0), UsageError);
}

TEST(SlurmScripts, TheArrayRunsTheWorkerPerIndexAndTheCollectJobMerges) {
  SlurmOptions options;
  options.setfit_command = {"/opt/setfit/bin/setfit", "--plugin-dir", "/my plugins"};
  options.db = "/shared/runs.db";
  options.partition = "gpu";
  options.time = "01:00:00";
  options.cpus_per_task = 4;
  options.sbatch_args = {"--account=ml"};
  const auto plan = plan_slurm_array({0, 1, 2}, 1001, 2);
  const auto scripts = slurm_scripts("/shared/sweep", "my sweep", plan, "/shared/t", options);
  for (const char* line :
       {"#SBATCH --job-name=setfit-my_sweep\n", "#SBATCH --array=0-2%2\n",
        "#SBATCH --output=/shared/sweep/logs/%A_%a.out\n", "#SBATCH --cpus-per-task=4\n",
        "#SBATCH --partition=gpu\n", "#SBATCH --time=01:00:00\n", "#SBATCH --account=ml\n",
        "exec /opt/setfit/bin/setfit --plugin-dir '/my plugins' sweep worker --manifest "
        "/shared/sweep --index \"$SLURM_ARRAY_TASK_ID\"\n"}) {
    EXPECT_TRUE(contains(scripts.array, line)) << line << "\n" << scripts.array;
  }
  EXPECT_FALSE(contains(scripts.array, "--stride"));
  EXPECT_TRUE(contains(scripts.collect, "sweep collect /shared/sweep --db /shared/runs.db\n"))
      << scripts.collect;
  EXPECT_TRUE(contains(scripts.collect, "#SBATCH --output=/shared/sweep/logs/collect-%j.out\n"));
  const auto strided = slurm_scripts("/s", "x", plan_slurm_array({0, 5}, 3, 0), "/s/t", options);
  EXPECT_TRUE(contains(strided.array, "--task-list /s/t --stride 2 --index")) << strided.array;
  options.sbatch_args = {"--comment=a\nrm -rf /"};
  EXPECT_THROW(slurm_scripts("/s", "x", plan, "/s/t", options), UsageError);
}

TEST(SlurmTaskList, BadLinesNameTheFileAndLine) {
  test::TempDir dir;
  std::ofstream(dir.path() / "good.tasks") << "3\n17\n";
  EXPECT_EQ(read_slurm_task_list(dir.path() / "good.tasks"), (std::vector<std::size_t>{3, 17}));
  std::ofstream(dir.path() / "bad.tasks") << "3\n-1\n";
  try {
    read_slurm_task_list(dir.path() / "bad.tasks");
    FAIL() << "a negative task number was read";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "bad.tasks:2: expected a task number, found '-1'")) << e.what();
  }
}

TEST(SlurmStates, FinalStatesAreTheOnesSlurmDoesNotRunAgain) {
  for (const char* state : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY"})
    EXPECT_TRUE(slurm_state_is_final(state)) << state;
  for (const char* state : {"PENDING", "RUNNING", "COMPLETING", "REQUEUED", "SUSPENDED"})
    EXPECT_FALSE(slurm_state_is_final(state)) << state;
}

// A strided array index runs each of its tasks in turn and publishes each store.
TEST(SlurmStridedWorker, AnIndexRunsItsTasksFromTheList) {
  test::TempDir dir;
  const auto file = test::write_tiny_sweep(dir.path(), "strided", test::golden_dir("bert-tiny"),
                                           "head = [\"logistic_regression\", \"linear\"]");
  const std::string cli = SETFIT_TEST_CLI;
  const auto plan = dir.path() / "plan";
  auto r = test::run_command(cli + " sweep plan " + file.string() + " --dir " + plan.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto tasks = nlohmann::json::parse(test::read_file(plan / "manifest.json"))["tasks"];
  ASSERT_EQ(tasks.get<int>(), 2);
  std::ofstream(dir.path() / "list.tasks") << "1\n0\n";
  // As Slurm would start array task 0 of job 7: its runs record that job.
  r = test::run_command("SLURM_ARRAY_JOB_ID=7 SLURM_ARRAY_TASK_ID=0 " + cli +
                        " --threads 1 sweep worker --manifest " + plan.string() + " --task-list " +
                        (dir.path() / "list.tasks").string() + " --stride 1 --index 0 --scratch " +
                        dir.path().string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(plan / "shards" / "task-0.db"));
  EXPECT_TRUE(std::filesystem::exists(plan / "shards" / "task-1.db"));
  const auto db = dir.path() / "collected.db";
  r = test::run_command(cli + " sweep collect " + plan.string() + " --db " + db.string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = RunStore::open(db, false)->runs(std::nullopt);
  ASSERT_EQ(rows.size(), 4u);  // 2 heads x 2 seeds, in 2 tasks
  for (const auto& row : rows) EXPECT_EQ(row.scheduler_job, "slurm 7_0");
  r = test::run_command(cli + " sweep worker --manifest " + plan.string() +
                        " --stride 1 --index 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--stride and --task-list go together")) << r.err;
}

}  // namespace
}  // namespace setfit
