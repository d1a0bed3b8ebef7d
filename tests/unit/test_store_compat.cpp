// A store written by setfit 0.1.0 (schema v2, committed as tests/data/store_v2) resumes
// under the current code: the same run keys, nothing reruns, nothing is rewritten.
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

TEST(StoreCompat, ASweepRecordedByTheFirstReleaseResumesWithNothingToDo) {
  test::TempDir dir;
  const auto db = dir.path() / "runs.db";
  std::filesystem::copy_file(kFixture / "runs.db", db);
  const auto keys_before = run_keys(db);
  ASSERT_EQ(keys_before.size(), 2u);
  const auto r = test::run_command(kCli + " sweep run " + (kFixture / "sweep.toml").string() +
                                   " --db " + db.string() + " --jobs 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "2 runs, 0 to do")) << r.err;
  EXPECT_TRUE(contains(r.out, "2 FINISHED")) << r.out;
  EXPECT_EQ(run_keys(db), keys_before);
  auto store = RunStore::open(db, false);
  EXPECT_EQ(store->integrity_check(), "ok");
  for (const auto& row : store->runs(std::nullopt)) EXPECT_EQ(row.attempt, 1) << row.id;
}

}  // namespace
}  // namespace setfit
