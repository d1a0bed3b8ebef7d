// A store written by setfit 0.1.0 (schema v2, committed as tests/data/store_v2) resumes
// under the current code: runs whose inputs are unchanged keep their keys and do not rerun,
// nothing recorded is rewritten.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "setfit/run_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;
const std::string kCli = SETFIT_TEST_CLI;
const std::filesystem::path kFixture = std::filesystem::path(SETFIT_TEST_DATA_DIR) / "store_v2";

std::vector<std::string> run_keys(const std::filesystem::path& db) {
  SQLite::Database raw(db.string());
  SQLite::Statement query(raw, "SELECT run_key FROM runs ORDER BY id");
  std::vector<std::string> out;
  while (query.executeStep()) out.push_back(query.getColumn(0).getString());
  return out;
}

// The fixture's sweep has a linear-head run and a logistic_regression run. The
// logistic_regression plugin has since changed (version 1.1.0: scikit-learn's max_iter and tol
// as defaults), so its run is a different run now; the linear one is the same run and key.
TEST(StoreCompat, ASweepRecordedByTheFirstReleaseResumesRerunningOnlyWhatChanged) {
  test::TempDir dir;
  const auto db = dir.path() / "runs.db";
  std::filesystem::copy_file(kFixture / "runs.db", db);
  const auto keys_before = run_keys(db);
  ASSERT_EQ(keys_before.size(), 2u);
  const std::string command = kCli + " sweep run " + (kFixture / "sweep.toml").string() + " --db " +
                              db.string() + " --jobs 1";

  // A plain resume says the runs changed and how to go on, and changes nothing.
  const auto refused = test::run_command(command);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(contains(refused.err, "sweep 'store-v2' was recorded with another spec"))
      << refused.err;
  EXPECT_TRUE(contains(refused.err, "--allow-changed")) << refused.err;
  EXPECT_EQ(run_keys(db), keys_before);

  const auto r = test::run_command(command + " --allow-changed");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "2 runs, 1 to do")) << r.err;
  EXPECT_TRUE(contains(r.out, "2 FINISHED")) << r.out;
  // Both recorded runs are kept as they were; one new run, under a key of its own.
  const auto keys_after = run_keys(db);
  ASSERT_EQ(keys_after.size(), 3u);
  EXPECT_EQ(keys_after[0], keys_before[0]);
  EXPECT_EQ(keys_after[1], keys_before[1]);
  EXPECT_NE(keys_after[2], keys_before[0]);
  EXPECT_NE(keys_after[2], keys_before[1]);
  auto store = RunStore::open(db, false);
  EXPECT_EQ(store->integrity_check(), "ok");
  for (const auto& row : store->runs(std::nullopt)) EXPECT_EQ(row.attempt, 1) << row.id;
}

}  // namespace
}  // namespace setfit
