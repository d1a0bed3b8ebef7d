// The SQLite run store: schema and migrations, the run life cycle, faithful NaN and
// infinities, spec-change refusal, and several writer processes at once.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <thread>

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

// Kills a child process running `work` after a random delay in [0, max_ms) milliseconds.
template <typename Work>
void kill_at_random(std::mt19937& rng, int max_ms, Work work) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      work();
    } catch (...) {
    }
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::microseconds(rng() % (max_ms * 1000)));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

// kill -9 at random moments of a writer that checkpoints the WAL after every batch, and of
// a migration from schema 1: each time the store opens sound, at version 1 or the current
// one (never between), with only whole batches, and the next writer or migration finishes.
TEST(RunStore, KillNineDuringCheckpointsAndMigrationsLeavesAConsistentStore) {
  std::mt19937 rng(2026);
  constexpr int kRows = 500;
  test::TempDir dir;
  const auto file = dir.path() / "runs.db";
  const std::int64_t run = RunStore::open(file)->ensure_run(std::nullopt, "killed");
  const auto write_batches = [&](int batches) {
    auto store = RunStore::open(file, /*migrate=*/false);
    SQLite::Database checkpointer(file.string(), SQLite::OPEN_READWRITE, 60'000);
    for (int b = 0; b < batches; ++b) {
      std::vector<MetricPoint> batch;
      for (int r = 0; r < kRows; ++r) batch.push_back({"embedding", r, "loss", 0.5});
      store->record_metrics(run, batch);
      checkpointer.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
  };
  for (int round = 0; round < 10; ++round) {
    kill_at_random(rng, 150, [&] { write_batches(1000); });
    auto store = RunStore::open(file);
    ASSERT_EQ(store->integrity_check(), "ok") << "round " << round;
    EXPECT_EQ(store->metrics(run).size() % kRows, 0u) << "round " << round;
  }
  const std::size_t before = RunStore::open(file)->metrics(run).size();
  write_batches(2);  // resumes writing as if nothing happened
  EXPECT_EQ(RunStore::open(file)->metrics(run).size(), before + 2 * kRows);

  for (int round = 0; round < 10; ++round) {
    const auto old = dir.path() / ("v1-" + std::to_string(round) + ".db");
    {
      SQLite::Database raw(old.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      detail::migrate(raw, old.string(), /*target=*/1);
      raw.exec("INSERT INTO runs (run_key, status) VALUES ('old', 'FINISHED')");
    }
    kill_at_random(rng, 40, [&] { RunStore::open(old); });
    {
      SQLite::Database raw(old.string(), SQLite::OPEN_READWRITE);
      const int version = detail::schema_version(raw);
      EXPECT_TRUE(version == 1 || version == RunStore::kSchemaVersion) << version;
      EXPECT_EQ(raw.execAndGet("PRAGMA integrity_check").getString(), "ok");
    }
    auto store = RunStore::open(old);  // the migration finishes
    EXPECT_EQ(store->schema_version(), RunStore::kSchemaVersion);
    ASSERT_EQ(store->runs(std::nullopt).size(), 1u);
    EXPECT_EQ(store->runs(std::nullopt)[0].run_key, "old");
  }
}

// Eight writer processes append 100,000 metric rows each, in batches of 1,000, while a
// reader process keeps its connection open and counts: no "database is locked", every row
// present, and the reader only ever sees whole batches (each is one transaction).
TEST(RunStore, EightWriterProcessesAndAReaderNeverHitALockedDatabase) {
  test::TempDir dir;
  const auto file = dir.path() / "runs.db";
  constexpr int kWriters = 8, kBatches = 100, kRows = 1000;
  std::vector<std::int64_t> run_ids;
  {
    auto store = RunStore::open(file);  // the orchestrator migrates before workers start
    for (int w = 0; w < kWriters; ++w) run_ids.push_back(store->ensure_run(std::nullopt, "w"));
  }
  const auto writers_done = dir.path() / "writers-done";
  const pid_t reader = fork();
  ASSERT_GE(reader, 0);
  if (reader == 0) {
    int code = 0;
    try {
      SQLite::Database db(file.string(), SQLite::OPEN_READONLY, 60'000);
      std::int64_t last = 0, reads = 0;
      while (true) {
        const bool done = std::filesystem::exists(writers_done);
        const std::int64_t rows = db.execAndGet("SELECT count(*) FROM metrics").getInt64();
        ++reads;
        if (rows < last || rows % kRows != 0) {
          std::fprintf(stderr, "reader saw %lld rows after %lld\n", static_cast<long long>(rows),
                       static_cast<long long>(last));
          code = 1;
          break;
        }
        last = rows;
        if (done) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (last != static_cast<std::int64_t>(kWriters) * kBatches * kRows || reads < 2) code = 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "reader: %s\n", e.what());
      code = 1;
    }
    _exit(code);
  }
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
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
        std::fprintf(stderr, "writer %d: %s\n", w, e.what());
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
  std::ofstream(writers_done) << "done\n";
  int status = 0;
  waitpid(reader, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the reader saw a partial batch";
  auto store = RunStore::open(file);
  EXPECT_EQ(store->integrity_check(), "ok");
  SQLite::Database raw(file.string());
  for (auto id : run_ids) {
    EXPECT_EQ(raw.execAndGet("SELECT count(DISTINCT step) FROM metrics WHERE run_id = " +
                             std::to_string(id))
                  .getInt(),
              kBatches * kRows);
    EXPECT_EQ(store->run(id).status, RunStatus::Finished);
  }
}

}  // namespace
}  // namespace setfit
