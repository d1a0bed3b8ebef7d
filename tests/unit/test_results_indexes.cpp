// The query shapes results use are answered from indexes, not table scans (EXPLAIN QUERY
// PLAN): runs by sweep, params and summaries by run, one param of one run (--where), the
// metric series of a run.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "setfit/run_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

std::string plan_of(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement plan(db, "EXPLAIN QUERY PLAN " + sql);
  std::string out;
  while (plan.executeStep()) out += plan.getColumn(3).getString() + "\n";
  return out;
}

TEST(ResultsIndexes, SelectionsSearchIndexesInsteadOfScanning) {
  test::TempDir dir;
  const auto file = dir.path() / "runs.db";
  RunStore::open(file);
  SQLite::Database db(file.string());
  const std::string in_sweep = "run_id IN (SELECT id FROM runs WHERE sweep_id = 1)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SELECT r.id, r.status FROM runs r WHERE r.sweep_id = 1", "INDEX runs_sweep_key"},
      {"SELECT run_id, key, stage, value_text FROM params WHERE " + in_sweep,
       "SEARCH params USING INDEX sqlite_autoindex_params_1 (run_id=?)"},
      {"SELECT run_id, key, value FROM run_summary WHERE " + in_sweep,
       "SEARCH run_summary USING INDEX sqlite_autoindex_run_summary_1 (run_id=?)"},
      {"SELECT r.id FROM runs r WHERE (SELECT p.value_num FROM params p WHERE p.run_id = r.id "
       "AND p.key = 'seed' AND p.stage = 'global') = 1",
       "SEARCH p USING INDEX sqlite_autoindex_params_1 (run_id=? AND key=? AND stage=?)"},
      {"SELECT step, value FROM metric_series WHERE run_id = 1 AND key = 'loss'",
       "INDEX metrics_run_key (run_id=? AND key=?)"},
  };
  for (const auto& [sql, expected] : cases) {
    const std::string plan = plan_of(db, sql);
    EXPECT_NE(plan.find(expected), std::string::npos) << sql << "\n" << plan;
  }
}

}  // namespace
}  // namespace setfit
