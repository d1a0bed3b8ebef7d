// Merging run stores from several machines: runs matched by key, the better-ended attempt
// wins, conflicting results are reported and decided only by --prefer, merging twice
// changes nothing, shards stay byte-identical, and the result passes the integrity check.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "setfit/errors.hpp"
#include "setfit/results.hpp"
#include "setfit/run_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

struct Shard {
  std::filesystem::path file;
  std::int64_t sweep;
};

Shard make_shard(const test::TempDir& dir, const std::string& name,
                 const std::string& fingerprint = "fp") {
  const auto file = dir.path() / (name + ".db");
  auto store = RunStore::open(file);
  const auto sweep = store->ensure_sweep("grid", "[sweep]\nname = \"grid\"\n", fingerprint);
  store->record_varied(sweep, {{"args.seed", "seeds"}});
  return {file, sweep};
}

void add_run(const Shard& shard, const std::string& key, RunStatus status, double accuracy) {
  auto store = RunStore::open(shard.file);
  const auto id = store->ensure_run(shard.sweep, key);
  store->start_run(id, 1, "machine");
  store->record_params(id, {{"seed", "global", key, std::nullopt, false}});
  store->record_metrics(id, {{"embedding", 1, "loss", 0.5}, {"embedding", 2, "loss", 0.25}});
  if (status == RunStatus::Finished) store->record_summary(id, {{"accuracy", accuracy}});
  store->finish_run(id, status, status == RunStatus::Finished ? "" : "embedding",
                    status == RunStatus::Finished ? "" : "crashed");
}

std::map<std::string, std::pair<std::string, double>> runs_of(const std::filesystem::path& db) {
  SQLite::Database raw(db.string());
  SQLite::Statement s(raw,
                      "SELECT r.run_key, r.status, coalesce(m.value, -1) FROM runs r LEFT "
                      "JOIN run_summary m ON m.run_id = r.id AND m.key = 'accuracy'");
  std::map<std::string, std::pair<std::string, double>> out;
  while (s.executeStep())
    out[s.getColumn(0).getString()] = {s.getColumn(1).getString(), s.getColumn(2).getDouble()};
  return out;
}

int count(const std::filesystem::path& db, const std::string& table) {
  SQLite::Database raw(db.string());
  return raw.execAndGet("SELECT count(*) FROM " + table).getInt();
}

TEST(ResultsMerge, BetterEndedAttemptsWinAndMergingTwiceChangesNothing) {
  test::TempDir dir;
  const auto a = make_shard(dir, "a"), b = make_shard(dir, "b");
  add_run(a, "k1", RunStatus::Finished, 0.8);
  add_run(a, "k2", RunStatus::Failed, 0);
  add_run(b, "k2", RunStatus::Finished, 0.7);
  add_run(b, "k3", RunStatus::Killed, 0);
  const std::string a_bytes = test::read_file(a.file), b_bytes = test::read_file(b.file);
  const auto out = dir.path() / "out.db";
  auto report = merge_stores(out, {a.file, b.file});
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(report.integrity, "ok");
  EXPECT_EQ(report.sweeps_added, 1u);
  EXPECT_EQ(report.runs_added, 3u);
  EXPECT_EQ(report.runs_replaced, 1u);  // k2: FINISHED in b over FAILED in a
  const auto merged = runs_of(out);
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged.at("k1"), (std::pair<std::string, double>{"FINISHED", 0.8}));
  EXPECT_EQ(merged.at("k2"), (std::pair<std::string, double>{"FINISHED", 0.7}));
  EXPECT_EQ(merged.at("k3").first, "KILLED");
  EXPECT_EQ(count(out, "metrics"), 6);  // each run's own series, once
  EXPECT_EQ(count(out, "params"), 3);
  EXPECT_EQ(count(out, "sweep_varied"), 1);
  // Again, and in the other order: nothing changes.
  report = merge_stores(out, {b.file, a.file});
  EXPECT_EQ(report.runs_added + report.runs_replaced, 0u);
  EXPECT_EQ(runs_of(out), merged);
  EXPECT_EQ(count(out, "metrics"), 6);
  EXPECT_EQ(count(out, "sweeps"), 1);
  EXPECT_EQ(test::read_file(a.file), a_bytes);
  EXPECT_EQ(test::read_file(b.file), b_bytes);
}

TEST(ResultsMerge, DifferentResultsOfOneKeyAreAConflictThatPreferDecides) {
  test::TempDir dir;
  const auto a = make_shard(dir, "a"), c = make_shard(dir, "c");
  add_run(a, "k1", RunStatus::Finished, 0.8);
  add_run(c, "k1", RunStatus::Finished, 0.9);
  add_run(c, "k4", RunStatus::Finished, 0.6);
  const auto out = dir.path() / "out.db";
  merge_stores(out, {a.file});
  auto report = merge_stores(out, {c.file});
  EXPECT_FALSE(report.committed);
  ASSERT_EQ(report.conflicts.size(), 1u);
  EXPECT_TRUE(contains(report.conflicts[0], "finished with other results")) << report.conflicts[0];
  EXPECT_EQ(runs_of(out).size(), 1u);  // c was not merged at all
  EXPECT_EQ(runs_of(out).at("k1").second, 0.8);
  report = merge_stores(out, {c.file}, MergePreference::First);
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(runs_of(out).at("k1").second, 0.8);
  EXPECT_EQ(runs_of(out).at("k4").second, 0.6);
  report = merge_stores(out, {c.file}, MergePreference::Last);
  EXPECT_EQ(runs_of(out).at("k1").second, 0.9);
  EXPECT_EQ(report.integrity, "ok");
  // The CLI says so and exits 1 while the conflict is open.
  const auto fresh = dir.path() / "fresh.db";
  merge_stores(fresh, {a.file});
  const std::string cli = std::string(SETFIT_TEST_CLI) + " results merge ";
  auto r = test::run_command(cli + fresh.string() + " " + c.file.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--prefer first or --prefer last")) << r.err;
  r = test::run_command(cli + fresh.string() + " " + c.file.string() + " --prefer last");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "integrity ok")) << r.out;
}

TEST(ResultsMerge, ASweepWithAnotherSpecUnderTheSameNameIsReportedNotMixed) {
  test::TempDir dir;
  const auto a = make_shard(dir, "a"), d = make_shard(dir, "d", "other-fingerprint");
  add_run(a, "k1", RunStatus::Finished, 0.8);
  add_run(d, "k9", RunStatus::Finished, 0.1);
  const auto out = dir.path() / "out.db";
  const auto report = merge_stores(out, {a.file, d.file});
  ASSERT_EQ(report.conflicts.size(), 1u);
  EXPECT_TRUE(contains(report.conflicts[0], "sweep 'grid' has another spec"))
      << report.conflicts[0];
  EXPECT_EQ(runs_of(out).size(), 1u);
  EXPECT_THROW(merge_stores(out, {out}), Error);  // the output is not also a shard
  EXPECT_THROW(merge_stores(out, {dir.path() / "missing.db"}), Error);
}

}  // namespace
}  // namespace setfit
