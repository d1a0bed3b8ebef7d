// `setfit sweep run`: runs in worker processes into the store, resumes, survives crashing
// plugins, diverging losses, timeouts, Ctrl-C and kill -9 of the sweep itself, and leaves
// the store consistent: every run FINISHED exactly once, integrity ok, no orphan rows.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/run_store.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

using test::contains;
const std::string kCli = SETFIT_TEST_CLI;
const std::string kHazard = std::string(SETFIT_TEST_FIXTURE_PLUGIN_DIR) + "/hazard";

class SweepRun : public ::testing::Test {
 protected:
  // A sweep on the tiny golden BERT with the given [grid] lines.
  std::filesystem::path write_sweep(const std::string& name, const std::string& grid,
                                    const std::string& seeds = "[0, 1]") {
    return test::write_tiny_sweep(dir_.path(), name, test::golden_dir("bert-tiny"), grid, seeds);
  }
  std::string run_sweep(const std::filesystem::path& file, const std::string& flags = "",
                        const std::string& db_name = "runs.db") {
    return kCli + " --plugin-dir " + kHazard + " sweep run " + file.string() + " --db " +
           (dir_.path() / db_name).string() + " " + flags;
  }
  std::filesystem::path db() const { return dir_.path() / "runs.db"; }
  std::map<RunStatus, int> counts() {
    std::map<RunStatus, int> out;
    auto store = RunStore::open(db(), false);
    for (const auto& row : store->runs(std::nullopt)) ++out[row.status];
    return out;
  }
  // Every run FINISHED once: one attempt's metrics (no repeated step), a summary, sound file.
  void expect_consistent(std::size_t runs) { expect_consistent(runs, db()); }
  void expect_consistent(std::size_t runs, const std::filesystem::path& db) {
    auto store = RunStore::open(db, false);
    EXPECT_EQ(store->integrity_check(), "ok");
    const auto rows = store->runs(std::nullopt);
    EXPECT_EQ(rows.size(), runs);
    SQLite::Database raw(db.string());
    for (const auto& row : rows) {
      EXPECT_EQ(row.status, RunStatus::Finished) << row.id << " " << row.error;
      EXPECT_EQ(store->summary(row.id).size(), 1u) << row.id;
    }
    EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM (SELECT run_id, key, stage, step FROM metrics "
                             "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1)")
                  .getInt(),
              0);
    for (const char* table : {"params", "metrics", "run_summary", "plugins", "artifacts"}) {
      EXPECT_EQ(raw.execAndGet(std::string("SELECT count(*) FROM ") + table +
                               " WHERE run_id NOT IN (SELECT id FROM runs)")
                    .getInt(),
                0)
          << table;
    }
  }

  test::TempDir dir_;
};

TEST_F(SweepRun, RunsEveryRunThenResumesWithNothingToDo) {
  const auto file = write_sweep("two-heads", "head = [\"logistic_regression\", \"linear\"]");
  auto r = test::run_command(run_sweep(file, "--jobs 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "sweep 'two-heads' in")) << r.out;
  EXPECT_TRUE(contains(r.out, "best by accuracy (maximize)")) << r.out;
  EXPECT_TRUE(contains(r.out, "(n=2)  model.head=")) << r.out;
  expect_consistent(4);
  r = test::run_command(run_sweep(file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "4 runs, 0 to do")) << r.err;
  auto store = RunStore::open(db(), false);
  for (const auto& row : store->runs(std::nullopt)) EXPECT_EQ(row.attempt, 1);
  r = test::run_command(kCli + " sweep status " + db().string());
  EXPECT_TRUE(contains(r.out, "two-heads: 4 runs: 4 FINISHED")) << r.out << r.err;
}

TEST_F(SweepRun, ACrashingPluginFailsOnlyItsRunsAndADivergingLossIsDiverged) {
  const auto file =
      write_sweep("hazards", "loss = [\"CosineSimilarityLoss\", \"CrashingLoss\", \"NanLoss\"]");
  auto r = test::run_command(run_sweep(file, "--jobs 2"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto c = counts();
  EXPECT_EQ(c[RunStatus::Finished], 2);
  EXPECT_EQ(c[RunStatus::Failed], 2);
  EXPECT_EQ(c[RunStatus::Diverged], 2);
  auto store = RunStore::open(db(), false);
  for (const auto& row : store->runs(std::nullopt)) {
    if (row.status == RunStatus::Failed) {
      EXPECT_TRUE(contains(row.error, "killed by signal 11")) << row.error;
      EXPECT_EQ(row.error_stage, "embedding");
      EXPECT_TRUE(contains(row.error, "last log lines")) << row.error;
    }
    if (row.status == RunStatus::Diverged) {
      EXPECT_EQ(row.error_stage, "embedding");
    }
  }
  // Resuming retries the failed runs (they crash again), never the diverged ones.
  r = test::run_command(run_sweep(file, "--jobs 2"));
  EXPECT_TRUE(contains(r.err, "6 runs, 2 to do")) << r.err;
}

TEST_F(SweepRun, FailFastTimeoutsAndChangedSpecs) {
  auto file = write_sweep("fast", "loss = [\"CrashingLoss\", \"CosineSimilarityLoss\"]", "[0]");
  auto r = test::run_command(run_sweep(file, "--jobs 1 --fail-fast"));
  EXPECT_EQ(r.exit_code, 1);
  auto c = counts();
  EXPECT_EQ(c[RunStatus::Failed], 1);
  EXPECT_EQ(c[RunStatus::Scheduled], 1);  // never started after the failure
  // The same name with another grid is refused, and nothing runs.
  file = write_sweep("fast", "loss = [\"CosineSimilarityLoss\"]", "[0]");
  r = test::run_command(run_sweep(file));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--allow-changed")) << r.err;
  const auto slow = write_sweep("slow", "head = [\"logistic_regression\"]", "[0]");
  r = test::run_command(run_sweep(slow, "--timeout-per-run 0.05"));
  EXPECT_EQ(r.exit_code, 1);
  auto store = RunStore::open(db(), false);
  const auto id = store->find_sweep("slow");
  ASSERT_TRUE(id);
  EXPECT_TRUE(contains(store->runs(*id).at(0).error, "timed out after"))
      << store->runs(*id).at(0).error;
}

// Starts the sweep in the background and returns its pid.
pid_t start_in_background(const std::string& command_line) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", ("exec " + command_line + " >/dev/null 2>&1").c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

TEST_F(SweepRun, KillNineAtRandomMomentsThenResumeFinishesEveryRunOnce) {
  const auto file = write_sweep(
      "killed", "head = [\"logistic_regression\", \"linear\"]\nnum_iterations = [1, 2]", "[0, 1]");
  std::mt19937 rng(12345);
  for (int round = 0; round < 10; ++round) {
    const pid_t pid = start_in_background(run_sweep(file, "--jobs 2"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1500));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    auto store = RunStore::open(db(), /*migrate=*/true);  // the killed sweep may not have made it
    EXPECT_EQ(store->integrity_check(), "ok") << "round " << round;
  }
  auto r = test::run_command(run_sweep(file, "--jobs 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  expect_consistent(8);
}

// `count` `sweep run` processes on one store, started at the same moment: they share the
// work (each run is claimed in the store by exactly one of them), every one exits 0.
void run_orchestrators_at_once(const std::string& command_line, int count,
                               const std::filesystem::path& logs) {
  const auto start = std::chrono::system_clock::now() + std::chrono::milliseconds(300);
  std::vector<pid_t> pids;
  for (int i = 0; i < count; ++i) {
    const std::string log = (logs / ("orchestrator-" + std::to_string(i))).string();
    const pid_t pid = fork();
    if (pid == 0) {
      std::this_thread::sleep_until(start);
      execl("/bin/sh", "sh", "-c",
            ("exec " + command_line + " >" + log + ".out 2>" + log + ".err").c_str(), nullptr);
      _exit(127);
    }
    pids.push_back(pid);
  }
  for (int i = 0; i < count; ++i) {
    int status = 0;
    waitpid(pids[static_cast<std::size_t>(i)], &status, 0);
    const std::string log = (logs / ("orchestrator-" + std::to_string(i))).string();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "orchestrator " << i << ": " << test::read_file(log + ".err");
    EXPECT_FALSE(contains(test::read_file(log + ".err"), "exited with code"))
        << test::read_file(log + ".err");
  }
}

TEST_F(SweepRun, TwoAndFourOrchestratorsOnOneStoreRunEveryRunExactlyOnce) {
  const auto file = write_sweep(
      "shared-store", "head = [\"logistic_regression\", \"linear\"]\nnum_iterations = [1, 2]",
      "[0, 1]");
  for (int orchestrators : {2, 4}) {
    SCOPED_TRACE(orchestrators);
    const std::string name = "concurrent-" + std::to_string(orchestrators) + ".db";
    run_orchestrators_at_once(run_sweep(file, "--jobs 1", name), orchestrators, dir_.path());
    const auto db = dir_.path() / name;
    expect_consistent(8, db);
    auto store = RunStore::open(db, false);
    for (const auto& row : store->runs(std::nullopt)) EXPECT_EQ(row.attempt, 1) << row.id;
    SQLite::Database raw(db.string());
    // One set of plugin rows per run (loss, sampler, head), never two.
    EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM (SELECT run_id, kind FROM plugins "
                             "GROUP BY 1, 2 HAVING count(*) > 1)")
                  .getInt(),
              0);
    EXPECT_EQ(raw.execAndGet("SELECT count(DISTINCT run_id) FROM plugins").getInt(), 8);
  }
}

// A disk that fills mid-sweep: a file size limit (with SIGXFSZ ignored, every write past it
// fails as on a full disk) stops the sweep with a clear error naming the store; the store
// stays sound, and once there is space the same command finishes every run once.
TEST_F(SweepRun, ADiskThatFillsStopsTheSweepCleanlyAndItResumesOnceThereIsSpace) {
  const auto file = write_sweep(
      "full", "head = [\"logistic_regression\", \"linear\"]\nnum_iterations = [1, 2]", "[0, 1]");
  auto r = test::run_command("sh -c \"trap '' XFSZ; ulimit -f 512; exec " +
                             run_sweep(file, "--jobs 1") + "\"");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "runs.db: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "is the disk full")) << r.err;
  EXPECT_EQ(RunStore::open(db(), false)->integrity_check(), "ok");
  r = test::run_command(run_sweep(file, "--jobs 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_consistent(8);
}

TEST_F(SweepRun, CtrlCMarksRunningRunsKilledAndTheNextRunResumes) {
  const auto file = write_sweep("interrupted", "num_iterations = [1, 2, 3, 4]", "[0, 1]");
  const pid_t pid = start_in_background(run_sweep(file, "--jobs 1"));
  // Ctrl-C once a run is running (however slow the machine is at preparing the sweep), or
  // after 60 s, by which time the sweep may be done.
  for (int wait = 0; wait < 600; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      if (counts()[RunStatus::Running] > 0) break;
    } catch (const Error&) {
      // The store is not there, or not set up, yet.
    }
  }
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  // Interrupted (130), or done before the signal came (0): never killed by it.
  ASSERT_TRUE(WIFEXITED(status)) << "the sweep died of signal " << WTERMSIG(status);
  EXPECT_TRUE(WEXITSTATUS(status) == 130 || WEXITSTATUS(status) == 0) << WEXITSTATUS(status);
  if (WEXITSTATUS(status) == 130) {
    auto c = counts();
    EXPECT_EQ(c[RunStatus::Running], 0);  // nothing left claiming to run
    EXPECT_LT(c[RunStatus::Finished], 8);
    // A killed run says how and where: its stage from the worker's log ("setup" while the
    // worker was still loading), and either what it logged last or that it logged nothing.
    auto store = RunStore::open(db(), false);
    for (const auto& row : store->runs(std::nullopt)) {
      if (row.status != RunStatus::Killed) continue;
      EXPECT_TRUE(row.error_stage == "setup" || row.error_stage == "embedding" ||
                  row.error_stage == "classifier")
          << row.error_stage;
      EXPECT_TRUE(contains(row.error, "killed by signal")) << row.error;
      EXPECT_NE(row.error.back(), '\n') << row.error;  // no empty "last log lines:"
      if (row.error_stage == "setup") {
        EXPECT_TRUE(contains(row.error, "while starting") ||
                    contains(row.error, "last log lines:\n"))
            << row.error;
      }
    }
  }
  auto r = test::run_command(run_sweep(file, "--jobs 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_consistent(8);
}

TEST_F(SweepRun, SharedStageOneGivesExactlyTheResultsOfTrainingItPerRun) {
  const auto file = write_sweep("shared",
                                "heads = [{head = \"logistic_regression\"}, "
                                "{head = \"logistic_regression\", \"head_params.C\" = 0.1}, "
                                "{head = \"linear\"}]");
  auto r = test::run_command(run_sweep(file, "--jobs 2", "shared.db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "6 to do (0 already done or not retried) in 2 stage-1 groups"))
      << r.err;
  r = test::run_command(run_sweep(file, "--jobs 2 --no-share", "alone.db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "in 6 stage-1 groups")) << r.err;
  auto shared = RunStore::open(dir_.path() / "shared.db", false);
  auto alone = RunStore::open(dir_.path() / "alone.db", false);
  std::map<std::string, RunRow> alone_by_key;
  for (const auto& row : alone->runs(std::nullopt)) {
    alone_by_key[row.run_key] = row;
    EXPECT_EQ(row.stage1_run_id, row.id);  // each trained its own stage 1
  }
  std::set<std::int64_t> sources;
  for (const auto& row : shared->runs(std::nullopt)) {
    ASSERT_TRUE(row.stage1_run_id.has_value());
    sources.insert(*row.stage1_run_id);
    const auto& twin = alone_by_key.at(row.run_key);
    EXPECT_EQ(row.stage1_key, twin.stage1_key);
    // Bit-identical: the same summary and the same loss curve in both stages.
    ASSERT_EQ(shared->summary(row.id).size(), 1u);
    EXPECT_EQ(shared->summary(row.id)[0].value, alone->summary(twin.id)[0].value);
    const auto a = shared->metrics(row.id), b = alone->metrics(twin.id);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].stage, b[i].stage);
      EXPECT_EQ(a[i].step, b[i].step);
      EXPECT_EQ(a[i].value, b[i].value) << a[i].stage << " " << a[i].step;
    }
  }
  EXPECT_EQ(sources.size(), 2u);  // one stage 1 per seed
}

TEST_F(SweepRun, GridPointsThatResolveToTheSameConfigAreOneRun) {
  const auto file = write_sweep("same", "num_iterations = [20, 20]", "[0]");
  auto r = test::run_command(run_sweep(file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      contains(r.err, "run 2 (args.num_iterations=20 args.seed=0) is the same run as run 1"))
      << r.err;
  EXPECT_TRUE(contains(r.out, "1 FINISHED")) << r.out;
  auto store = RunStore::open(db(), false);
  EXPECT_EQ(store->runs(std::nullopt).size(), 1u);
}

// One warm worker serves every unit of a --jobs 1 sweep and reuses the body it loaded, put
// back to its weights as loaded: the results are bit-identical to a sweep whose two units
// each get a new worker (--jobs 2). The global --threads reaches the workers.
TEST_F(SweepRun, AWarmWorkerReusesItsBodyWithResultsBitIdenticalToNewWorkers) {
  const auto file =
      write_sweep("warm", "heads = [{head = \"logistic_regression\"}, {head = \"linear\"}]");
  // The global option goes before the verb: `setfit --threads 1 ... sweep run ...`.
  auto r = test::run_command(kCli + " --threads 1" +
                             run_sweep(file, "--jobs 1", "warm.db").substr(kCli.size()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "1 workers x 1 threads")) << r.err;
  EXPECT_TRUE(contains(r.err, "in 2 stage-1 groups")) << r.err;
  r = test::run_command(run_sweep(file, "--jobs 2", "cold.db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_consistent(4, dir_.path() / "warm.db");
  expect_consistent(4, dir_.path() / "cold.db");

  auto warm = RunStore::open(dir_.path() / "warm.db", false);
  auto cold = RunStore::open(dir_.path() / "cold.db", false);
  std::set<std::int64_t> warm_pids, cold_pids;
  std::map<std::string, RunRow> cold_by_key;
  for (const auto& row : cold->runs(std::nullopt)) {
    cold_by_key[row.run_key] = row;
    cold_pids.insert(row.pid);
  }
  for (const auto& row : warm->runs(std::nullopt)) {
    warm_pids.insert(row.pid);
    const auto& twin = cold_by_key.at(row.run_key);
    EXPECT_EQ(warm->summary(row.id)[0].value, cold->summary(twin.id)[0].value) << row.id;
    const auto a = warm->metrics(row.id), b = cold->metrics(twin.id);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      EXPECT_EQ(a[i].value, b[i].value) << a[i].stage << " " << a[i].step;
  }
  EXPECT_EQ(warm_pids.size(), 1u);  // one process trained both units
  EXPECT_EQ(cold_pids.size(), 2u);  // a new worker for each
  std::string logs;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "warm.db.work/logs"))
    logs += test::read_file(entry.path());
  EXPECT_TRUE(contains(logs, "sweep worker: 1 LibTorch threads")) << logs;
  EXPECT_TRUE(contains(logs, "reusing the loaded body")) << logs;
}

}  // namespace
}  // namespace setfit
