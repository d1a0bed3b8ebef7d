// The SQLite run store: schema and migrations, the run life cycle, faithful NaN and
// infinities, spec-change refusal, and several writer processes at once.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <limits>

#include "../../framework/src/store/schema.hpp"
#include "setfit/errors.hpp"
#include "setfit/run_store.hpp"
#include "setfit/training_args.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

TEST(RunStore, CreatesTheSchemaInWalMode) {
  test::TempDir dir;
  auto store = RunStore::open(dir.path() / "runs.db");
  EXPECT_EQ(store->schema_version(), RunStore::kSchemaVersion);
  SQLite::Database raw((dir.path() / "runs.db").string());
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
  for (const char* table :
       {"sweeps", "runs", "params", "metrics", "run_summary", "artifacts", "plugins"}) {
    EXPECT_EQ(raw.execAndGet(std::string("SELECT count(*) FROM sqlite_master WHERE name = '") +
                             table + "'")
                  .getInt(),
              1)
        << table;
  }
  EXPECT_EQ(store->integrity_check(), "ok");
  // Opening again migrates nothing and keeps what is there.
  auto id = store->ensure_run(std::nullopt, "k");
  store.reset();
  auto again = RunStore::open(dir.path() / "runs.db");
  EXPECT_EQ(again->run(id).run_key, "k");
}

TEST(RunStore, WorkersRefuseAStoreAtAnotherVersion) {
  test::TempDir dir;
  const auto file = dir.path() / "runs.db";
  try {
    RunStore::open(file, /*migrate=*/false);
    FAIL() << "a worker opened an unmigrated store";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "schema version 0")) << e.what();
  }
  RunStore::open(file);
  {
    SQLite::Database raw(file.string(), SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = 99");
  }
  try {
    RunStore::open(file);
    FAIL() << "a newer store was opened";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "newer than this setfit")) << e.what();
  }
  EXPECT_THROW(RunStore::open(dir.path() / "missing" / "runs.db"), Error);
}

TEST(RunStore, AVersionOneStoreIsMigratedKeepingItsRuns) {
  test::TempDir dir;
  const auto file = dir.path() / "runs.db";
  {
    SQLite::Database raw(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    detail::migrate(raw, file.string(), /*target=*/1);
    raw.exec("INSERT INTO runs (run_key, status) VALUES ('old', 'FINISHED')");
    EXPECT_EQ(detail::schema_version(raw), 1);
  }
  EXPECT_THROW(RunStore::open(file, /*migrate=*/false), Error);  // workers never migrate
  auto store = RunStore::open(file);
  EXPECT_EQ(store->schema_version(), RunStore::kSchemaVersion);
  const auto runs = store->runs(std::nullopt);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].run_key, "old");
  EXPECT_EQ(runs[0].status, RunStatus::Finished);
  EXPECT_FALSE(runs[0].stage1_run_id.has_value());
  store->set_stage1(runs[0].id, "k", runs[0].id);
  EXPECT_EQ(store->run(runs[0].id).stage1_key, "k");
}

TEST(RunStore, RunLifeCycleAttemptsAndParams) {
  test::TempDir dir;
  auto store = RunStore::open(dir.path() / "runs.db");
  const auto sweep = store->ensure_sweep("grid", "[sweep]\nname = \"grid\"\n", "abc");
  EXPECT_EQ(store->ensure_sweep("grid", "[sweep]\nname = \"grid\"\n", "abc"), sweep);
  const auto run = store->ensure_run(sweep, "key-1");
  EXPECT_EQ(store->ensure_run(sweep, "key-1"), run);  // one run per key in a sweep
  EXPECT_NE(store->ensure_run(sweep, "key-2"), run);
  EXPECT_EQ(store->run(run).status, RunStatus::Scheduled);
  store->start_run(run, 123, "host");
  EXPECT_EQ(store->run(run).status, RunStatus::Running);
  EXPECT_EQ(store->run(run).attempt, 1);
  store->finish_run(run, RunStatus::Failed, "embedding", "segfault");
  auto failed = store->run(run);
  EXPECT_EQ(failed.status, RunStatus::Failed);
  EXPECT_EQ(failed.error_stage, "embedding");
  store->start_run(run, 124, "host");
  EXPECT_EQ(store->run(run).attempt, 2);
  EXPECT_EQ(store->run(run).error, "");  // a retry clears the old error
  store->finish_run(run, RunStatus::Finished);
  EXPECT_EQ(store->runs(sweep).size(), 2u);

  TrainingArguments args;
  args.seed = 7;
  args.user_set.insert("seed");
  store->record_params(run, args.records());
  store->record_params(run, args.records());  // replaced, not duplicated
  SQLite::Database raw((dir.path() / "runs.db").string());
  EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM params WHERE run_id = " + std::to_string(run))
                .getInt64(),
            static_cast<std::int64_t>(args.records().size()));
  EXPECT_EQ(raw.execAndGet("SELECT is_default FROM params WHERE key = 'seed'").getInt(), 0);
  EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM params WHERE key = 'batch_size'").getInt(), 2);
}

TEST(RunStore, NanAndInfinitiesAreStoredFaithfully) {
  test::TempDir dir;
  auto store = RunStore::open(dir.path() / "runs.db");
  const auto run = store->ensure_run(std::nullopt, "k");
  const double inf = std::numeric_limits<double>::infinity();
  store->record_metrics(run, {{"embedding", 0, "loss", 0.5},
                              {"embedding", 1, "loss", std::nan("")},
                              {"embedding", 2, "loss", inf},
                              {"embedding", 3, "loss", -inf}});
  const auto back = store->metrics(run);
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[0].value, 0.5);
  EXPECT_TRUE(std::isnan(back[1].value));
  EXPECT_EQ(back[2].value, inf);
  EXPECT_EQ(back[3].value, -inf);
  store->record_summary(run, {{"accuracy", 0.75}, {"loss", std::nan("")}});
  const auto summary = store->summary(run);
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0].key, "accuracy");
  EXPECT_TRUE(std::isnan(summary[1].value));
}

TEST(RunStore, AChangedSpecUnderAnExistingNameIsRefused) {
  test::TempDir dir;
  auto store = RunStore::open(dir.path() / "runs.db");
  store->ensure_sweep("grid", "a", "fingerprint-one");
  try {
    store->ensure_sweep("grid", "b", "fingerprint-two");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "--allow-changed")) << e.what();
  }
  EXPECT_NO_THROW(store->ensure_sweep("grid", "b", "fingerprint-two", /*allow_changed=*/true));
  EXPECT_NO_THROW(store->ensure_sweep("grid", "b", "fingerprint-two"));
}

TEST(RunStore, FourWriterProcessesNeverHitALockedDatabase) {
  test::TempDir dir;
  const auto file = dir.path() / "runs.db";
  std::vector<std::int64_t> run_ids;
  {
    auto store = RunStore::open(file);  // the orchestrator migrates before workers start
    for (int w = 0; w < 4; ++w) run_ids.push_back(store->ensure_run(std::nullopt, "w"));
  }
  constexpr int kBatches = 40, kRows = 100;
  std::vector<pid_t> children;
  for (int w = 0; w < 4; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      try {
        auto store = RunStore::open(file, /*migrate=*/false);
        store->start_run(run_ids[static_cast<std::size_t>(w)], getpid(), "test");
        for (int b = 0; b < kBatches; ++b) {
          std::vector<MetricPoint> batch;
          for (int r = 0; r < kRows; ++r)
            batch.push_back({"embedding", b * kRows + r, "loss", 1.0 / (r + 1)});
          store->record_metrics(run_ids[static_cast<std::size_t>(w)], batch);
          store->heartbeat(run_ids[static_cast<std::size_t>(w)]);
        }
        store->finish_run(run_ids[static_cast<std::size_t>(w)], RunStatus::Finished);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "worker %d: %s\n", w, e.what());
        code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer failed";
  }
  auto store = RunStore::open(file);
  EXPECT_EQ(store->integrity_check(), "ok");
  for (auto id : run_ids) {
    EXPECT_EQ(store->metrics(id).size(), static_cast<std::size_t>(kBatches * kRows));
    EXPECT_EQ(store->run(id).status, RunStatus::Finished);
  }
}

}  // namespace
}  // namespace setfit
