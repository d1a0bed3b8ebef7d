// The store's views read by another tool exactly as a pandas user would: python3's sqlite3
// module (the store made by the first release, migrated by opening it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "setfit/run_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

TEST(StoreViews, PythonsSqlite3ReadsRunsParamsAndMetricSeries) {
  test::TempDir dir;
  const auto db = dir.path() / "runs.db";
  std::filesystem::copy_file(std::filesystem::path(SETFIT_TEST_DATA_DIR) / "store_v2" / "runs.db",
                             db);
  RunStore::open(db);  // migrates to the current schema, views included
  const auto script = dir.path() / "read.py";
  std::ofstream(script) << R"py(import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for run_id, status, params, metrics in con.execute(
        "SELECT run_id, status, params, metrics FROM run_table ORDER BY run_id"):
    p, m = json.loads(params), json.loads(metrics)
    print(run_id, status, p["model.head"], p["embedding.batch_size"], p["seed"],
          "accuracy" in m and 0 <= m["accuracy"] <= 1)
print("params", con.execute("SELECT count(*) FROM run_params WHERE name = 'model.head'").fetchone()[0])
steps = con.execute("SELECT count(*), min(step) FROM metric_series WHERE key = 'loss'").fetchone()
print("series", steps[0] > 0, steps[1] >= 0)
)py";
  const auto r = test::run_command("python3 " + script.string() + " " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "1 FINISHED logistic_regression 8 0 True")) << r.out;
  EXPECT_TRUE(contains(r.out, "2 FINISHED linear 8 0 True")) << r.out;
  EXPECT_TRUE(contains(r.out, "params 2")) << r.out;
  EXPECT_TRUE(contains(r.out, "series True True")) << r.out;
}

}  // namespace
}  // namespace setfit
