// Querying a run store: runs with the parameters that vary, configurations over seeds
// (sample std, sem, Student-t ci95, n), the best ones, every output format, read-only SQL,
// and clear errors for what is not a store. The stores are written through RunStore.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "setfit/errors.hpp"
#include "setfit/results.hpp"
#include "setfit/run_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

struct FakeRun {
  std::int64_t batch;  // varies per stage (embedding half)
  std::string head;
  std::int64_t seed;
  RunStatus status;
  double accuracy;
};

// A sweep of 2 batch sizes x 2 heads x seeds, one run FAILED: written as a sweep would.
std::filesystem::path make_store(const test::TempDir& dir, const std::vector<FakeRun>& runs,
                                 const std::string& direction = "maximize") {
  const auto file = dir.path() / "runs.db";
  auto store = RunStore::open(file);
  const auto sweep = store->ensure_sweep(
      "grid",
      "[sweep]\nname = \"grid\"\nmetric = \"accuracy\"\ndirection = \"" + direction + "\"\n", "fp");
  store->record_varied(
      sweep,
      {{"args.batch_size[embedding]", "grid"}, {"model.head", "grid"}, {"args.seed", "seeds"}});
  int n = 0;
  for (const auto& r : runs) {
    const auto id = store->ensure_run(sweep, "key-" + std::to_string(n++));
    store->start_run(id, 1, "host");
    store->record_params(
        id, {{"batch_size", "embedding", std::to_string(r.batch), double(r.batch), false},
             {"batch_size", "classifier", "2", 2.0, true},
             {"seed", "global", std::to_string(r.seed), double(r.seed), false},
             {"model.head", "global", "\"" + r.head + "\"", std::nullopt, false},
             {"data.train", "global", "/data/train.jsonl", std::nullopt, false}});
    if (r.status == RunStatus::Finished) {
      store->record_summary(id, {{"accuracy", r.accuracy}, {"f1", r.accuracy - 0.1}});
      store->finish_run(id, RunStatus::Finished);
    } else {
      store->finish_run(id, r.status, "embedding", "loss crashed\nsecond line");
    }
  }
  return file;
}

const std::vector<FakeRun> kRuns = {
    {16, "linear", 0, RunStatus::Finished, 0.80},
    {16, "linear", 1, RunStatus::Finished, 0.90},
    {16, "linear", 2, RunStatus::Finished, 0.85},
    {32, "linear", 0, RunStatus::Finished, 0.70},
    {32, "linear", 1, RunStatus::Failed, 0.0},
    {32, "linear", 2, RunStatus::Finished, 0.60},
    {16, "logistic_regression", 0, RunStatus::Finished, 0.95},
    {16, "logistic_regression", 1, RunStatus::Finished, 0.93},
};

std::size_t column(const ResultTable& t, const std::string& name) {
  const auto it = std::find(t.columns.begin(), t.columns.end(), name);
  EXPECT_NE(it, t.columns.end()) << name;
  return static_cast<std::size_t>(it - t.columns.begin());
}

double number(const ResultCell& cell) {
  return std::get<double>(cell);
}

struct Stats {
  double mean, std, n;
};
Stats stats(const std::vector<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= double(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / double(v.size() - 1)), double(v.size())};
}

TEST(Results, ListShowsWhatVariesTheMetricsAndTheFirstErrorLine) {
  test::TempDir dir;
  const auto results = load_results(make_store(dir, kRuns), {"grid"});
  EXPECT_EQ(results.varied, (std::vector<std::string>{"params.embedding.batch_size",
                                                      "params.model.head", "params.seed"}));
  const auto table = list_runs(results);
  ASSERT_EQ(table.rows.size(), kRuns.size());
  EXPECT_EQ(table.columns.front(), "id");
  EXPECT_EQ(std::get<std::string>(table.rows[4][column(table, "error")]),
            "embedding: loss crashed");
  EXPECT_EQ(std::get<std::string>(table.rows[4][column(table, "status")]), "FAILED");
  EXPECT_EQ(std::get<std::string>(table.rows[6][column(table, "params.model.head")]),
            "logistic_regression");
  const auto sorted = list_runs(results, "accuracy", 3);  // a short name, best first
  ASSERT_EQ(sorted.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(number(sorted.rows[0][column(sorted, "metrics.accuracy")]), 0.95);
  EXPECT_DOUBLE_EQ(number(sorted.rows[2][column(sorted, "metrics.accuracy")]), 0.90);
}

TEST(Results, CompareAggregatesOverSeedsWithSampleStatisticsAndShowsN) {
  test::TempDir dir;
  const auto results = load_results(make_store(dir, kRuns), {"grid"});
  CompareOptions options;
  options.aggregates = {Aggregate::Mean, Aggregate::Std, Aggregate::Sem, Aggregate::N,
                        Aggregate::Ci95, Aggregate::Min, Aggregate::Max};
  const auto table = compare_configs(results, options);
  // Grouped by batch and head, not by seed; best mean first.
  EXPECT_EQ(table.columns[1], "params.embedding.batch_size");
  EXPECT_EQ(table.columns[2], "params.model.head");
  ASSERT_EQ(table.rows.size(), 3u);
  const auto mean = column(table, "metrics.accuracy.mean");
  const auto lr = stats({0.95, 0.93}), linear16 = stats({0.80, 0.90, 0.85}),
             linear32 = stats({0.70, 0.60});
  EXPECT_NEAR(number(table.rows[0][mean]), lr.mean, 1e-12);
  EXPECT_NEAR(number(table.rows[1][mean]), linear16.mean, 1e-12);
  EXPECT_NEAR(number(table.rows[1][column(table, "metrics.accuracy.std")]), linear16.std, 1e-12);
  EXPECT_NEAR(number(table.rows[1][column(table, "metrics.accuracy.sem")]),
              linear16.std / std::sqrt(3.0), 1e-12);
  // Student's t with 2 degrees of freedom, where 1 - t / sqrt(t^2 + 2) = 0.05:
  // t = sqrt(2 * 0.95^2 / (1 - 0.95^2)) = 4.3027 (tables round it to 4.303).
  const double t2 = std::sqrt(2 * 0.95 * 0.95 / (1 - 0.95 * 0.95));
  EXPECT_NEAR(number(table.rows[1][column(table, "metrics.accuracy.ci95")]),
              t2 * linear16.std / std::sqrt(3.0), 1e-9);
  EXPECT_DOUBLE_EQ(number(table.rows[1][column(table, "metrics.accuracy.min")]), 0.80);
  EXPECT_DOUBLE_EQ(number(table.rows[1][column(table, "metrics.accuracy.max")]), 0.90);
  // The failed seed is visible as a smaller n.
  EXPECT_EQ(number(table.rows[2][column(table, "metrics.accuracy.n")]), 2);
  EXPECT_NEAR(number(table.rows[2][mean]), linear32.mean, 1e-12);
  // Grouping by one short-named parameter folds the heads together.
  options.group_by = {"head"};
  options.aggregates = {Aggregate::N};
  const auto by_head = compare_configs(results, options);
  ASSERT_EQ(by_head.rows.size(), 2u);
  EXPECT_EQ(by_head.columns[1], "params.model.head");
}

TEST(Results, BestFollowsTheSweepsDirectionAndCanRankRuns) {
  test::TempDir dir;
  const auto store = make_store(dir, kRuns, "minimize");
  const auto results = load_results(store, {"grid"});
  EXPECT_EQ(results.direction, "minimize");
  EXPECT_EQ(load_results(store, {}).direction, "minimize");  // the store's only sweep
  BestOptions best;
  best.top = 1;
  auto table = best_configs(results, best);
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(table.rows[0][column(table, "params.model.head")]), "linear");
  EXPECT_NEAR(number(table.rows[0][column(table, "metrics.accuracy.mean")]), 0.65, 1e-12);
  best.direction = "max";
  best.per_run = true;
  best.top = 2;
  table = best_configs(results, best);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(number(table.rows[1][column(table, "metrics.accuracy")]), 0.93);
  best.metric = "acuracy";
  try {
    best_configs(results, best);
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_TRUE(contains(e.what(), "did you mean 'accuracy'?")) << e.what();
  }
}

TEST(Results, EveryFormatQuotesEscapesAndWritesNumbersAsNumbers) {
  ResultTable table;
  table.columns = {"name", "value"};
  table.rows = {{std::string("a, \"b\"|_c"), 0.5},
                {std::string("nan"), std::numeric_limits<double>::quiet_NaN()},
                {std::monostate{}, 3.0}};
  EXPECT_EQ(render_table(table, ResultFormat::Csv),
            "name,value\r\n\"a, \"\"b\"\"|_c\",0.5\r\nnan,nan\r\n,3\r\n");
  const auto json = nlohmann::json::parse(render_table(table, ResultFormat::Json));
  EXPECT_EQ(json[0]["value"], 0.5);
  EXPECT_TRUE(json[1]["value"].is_null());  // JSON has no NaN
  EXPECT_TRUE(json[2]["value"].is_number_integer());
  EXPECT_TRUE(json[2]["name"].is_null());
  const auto jsonl = render_table(table, ResultFormat::Jsonl);
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 3);
  EXPECT_TRUE(contains(render_table(table, ResultFormat::Markdown), "| a, \"b\"\\|_c | 0.5000 |"));
  EXPECT_TRUE(contains(render_table(table, ResultFormat::Latex), "a, \"b\"|\\_c & 0.5000 \\\\"));
  // Aligned columns; NaN written as nan.
  std::istringstream lines(render_table(table, ResultFormat::Table));
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.find("value"), first.find("0.5000"));
  EXPECT_EQ(second.rfind("nan", 0), 0u);
  EXPECT_EQ(second.substr(second.size() - 3), "nan");
  EXPECT_EQ(second.find("nan", 3), header.find("value"));
  EXPECT_THROW(result_format_from_string("xml"), UsageError);
}

TEST(Results, PValuesMatchClosedForms) {
  // df = 1 is the Cauchy distribution: P(|T| > t) = 1 - 2 atan(t) / pi.
  for (double t : {0.5, 1.0, 3.0})
    EXPECT_NEAR(student_t_two_sided_p(t, 1), 1 - 2 * std::atan(t) / M_PI, 1e-10) << t;
  // df = 2: P(|T| > t) = 1 - t / sqrt(t^2 + 2).
  for (double t : {0.3, 2.0, 10.0})
    EXPECT_NEAR(student_t_two_sided_p(t, 2), 1 - t / std::sqrt(t * t + 2), 1e-10) << t;
  EXPECT_NEAR(student_t_two_sided_p(2.228, 10), 0.05, 2e-4);  // the tabulated 97.5% point
  EXPECT_NEAR(student_t_two_sided_p(-2.228, 10), 0.05, 2e-4);
  EXPECT_DOUBLE_EQ(student_t_two_sided_p(0, 7), 1.0);
  EXPECT_DOUBLE_EQ(sign_test_p(5, 0), 2.0 / 32);
  EXPECT_DOUBLE_EQ(sign_test_p(4, 1), 2.0 * (1 + 5) / 32);
  EXPECT_DOUBLE_EQ(sign_test_p(3, 3), 1.0);
}

TEST(Results, DiffPairsTwoConfigurationsOverTheSeedsTheyShare) {
  test::TempDir dir;
  const auto results = load_results(make_store(dir, kRuns), {"grid"});
  // compare numbers logistic_regression/16 first (seeds 0, 1), linear/16 second (0, 1, 2).
  const auto d = paired_difference(results, 1, 2);
  EXPECT_EQ(d.pairs, 2u);
  EXPECT_EQ(d.seeds, (std::vector<std::string>{"0", "1"}));
  const double d0 = 0.95 - 0.80, d1 = 0.93 - 0.90, mean = (d0 + d1) / 2;
  const double sem =
      std::sqrt(((d0 - mean) * (d0 - mean) + (d1 - mean) * (d1 - mean)) / 1) / std::sqrt(2.0);
  EXPECT_NEAR(d.mean, mean, 1e-12);
  EXPECT_NEAR(d.sem, sem, 1e-12);
  EXPECT_EQ(d.a_wins, 2u);
  EXPECT_EQ(d.b_wins, 0u);
  EXPECT_DOUBLE_EQ(d.sign_p, 0.5);
  EXPECT_NEAR(d.t_p, 1 - 2 * std::atan(mean / sem) / M_PI, 1e-10);
  EXPECT_THROW(paired_difference(results, 1, 9), UsageError);
  const auto r = test::run_command(std::string(SETFIT_TEST_CLI) + " results diff " +
                                   (dir.path() / "runs.db").string() + " 1 2 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json[0]["pairs"], 2);
  EXPECT_NEAR(json[0]["mean_difference"].get<double>(), mean, 1e-12);
}

TEST(Results, DiffTakesWhereSelectionsAsConfigurations) {
  test::TempDir dir;
  const auto db = make_store(dir, kRuns);
  const auto results = load_results(db, {"grid"});
  const auto by_number = paired_difference(results, 1, 2);
  const auto a = load_results(db, {"grid",
                                   "head = 'logistic_regression' and "
                                   "params.embedding.batch_size = 16"});
  const auto b = load_results(db, {"grid", "head = 'linear' and params.embedding.batch_size = 16"});
  const auto by_selection = paired_difference(a, b);
  EXPECT_EQ(by_selection.seeds, by_number.seeds);
  EXPECT_DOUBLE_EQ(by_selection.mean, by_number.mean);
  EXPECT_DOUBLE_EQ(by_selection.t_p, by_number.t_p);
  // A selection spanning two configurations has two runs of a seed: refused, not averaged.
  const auto both_heads = load_results(db, {"grid", "params.embedding.batch_size = 16"});
  EXPECT_THROW(paired_difference(both_heads, b), UsageError);

  // The CLI mixes a number and an expression; --where narrows both sides.
  const auto r = test::run_command(std::string(SETFIT_TEST_CLI) + " results diff " + db.string() +
                                   " 1 \"head = 'linear'\" --where " +
                                   "\"params.embedding.batch_size = 16\" --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json[0]["pairs"], 2);
  EXPECT_DOUBLE_EQ(json[0]["mean_difference"].get<double>(), by_number.mean);
  const auto ambiguous = test::run_command(std::string(SETFIT_TEST_CLI) + " results diff " +
                                           db.string() + " 1 \"status = 'FINISHED'\"");
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_TRUE(contains(ambiguous.err, "selection B holds two finished runs")) << ambiguous.err;
}

std::vector<std::int64_t> ids_where(const std::filesystem::path& store, const std::string& where) {
  std::vector<std::int64_t> ids;
  for (const auto& run : load_results(store, {"grid", where}).runs) ids.push_back(run.id);
  return ids;
}

std::string where_error(const std::filesystem::path& store, const std::string& where) {
  try {
    load_results(store, {"grid", where});
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Results, WhereFiltersOnParamsMetricsAndRunColumns) {
  test::TempDir dir;
  const auto store = make_store(dir, kRuns);
  using Ids = std::vector<std::int64_t>;
  EXPECT_EQ(ids_where(store, "head = 'logistic_regression'"), (Ids{7, 8}));
  EXPECT_EQ(ids_where(store, "params.embedding.batch_size = 32 and status = \"FINISHED\""),
            (Ids{4, 6}));
  EXPECT_EQ(ids_where(store, "accuracy >= 0.9 or status in ('FAILED')"), (Ids{2, 5, 7, 8}));
  EXPECT_EQ(ids_where(store, "not (seed in (0, 1)) and metrics.accuracy < 1"), (Ids{3, 6}));
  EXPECT_EQ(ids_where(store, "seed not in (0, 1)"), (Ids{3, 6}));
  EXPECT_EQ(ids_where(store, "id <= 2 or host != 'host'"), (Ids{1, 2}));
  EXPECT_EQ(ids_where(store, "duration >= 0 and id > 7"), (Ids{8}));
  // Compare the selection's configurations only.
  const auto table = compare_configs(load_results(store, {"grid", "head = 'linear'"}), {});
  EXPECT_EQ(table.rows.size(), 2u);
}

TEST(Results, WhereErrorsPointAtTheColumnAndSuggestNames) {
  test::TempDir dir;
  const auto store = make_store(dir, kRuns);
  EXPECT_TRUE(contains(where_error(store, "acuracy > 0.5"),
                       "column 1: unknown name 'acuracy'; did you mean 'accuracy'?"))
      << where_error(store, "acuracy > 0.5");
  EXPECT_TRUE(contains(where_error(store, "batch_size > 1"), "'batch_size' is ambiguous"))
      << where_error(store, "batch_size > 1");
  EXPECT_TRUE(contains(where_error(store, "seed = 1 and"), "column 13: expected a name"))
      << where_error(store, "seed = 1 and");
  EXPECT_TRUE(contains(where_error(store, "(seed = 1"), "column 10: expected ')'"));
  EXPECT_TRUE(contains(where_error(store, "seed == 1"), "column 7: expected a number"));
  EXPECT_TRUE(contains(where_error(store, "seed = 1; DROP TABLE runs"), "column 9: unexpected"));
  EXPECT_TRUE(contains(where_error(store, "  "), "the expression is empty"));
}

TEST(Results, WhereValuesAreDataNeverSql) {
  test::TempDir dir;
  const auto store = make_store(dir, kRuns);
  const std::string before = test::read_file(store);
  for (const std::string& text : std::vector<std::string>{
           "'); DROP TABLE runs; --", "x' OR '1'='1", "\"; DELETE FROM params; --", "/* c */ --",
           "linear' --", "ünïcødé ✓ 模型", std::string(20000, 'a')}) {
    const std::string quote = text.find('\'') == std::string::npos ? "'" : "\"";
    EXPECT_TRUE(ids_where(store, "head = " + quote + text + quote).empty()) << text.substr(0, 40);
  }
  // A very long expression parses and selects what it says.
  std::string many = "seed = 0";
  for (int i = 0; i < 2000; ++i) many += " or seed = 0";
  EXPECT_EQ(ids_where(store, many), (std::vector<std::int64_t>{1, 4, 7}));
  EXPECT_EQ(test::read_file(store), before);
  auto raw = RunStore::open(store, false);
  EXPECT_EQ(raw->runs(std::nullopt).size(), kRuns.size());
}

std::string file_bytes(const std::filesystem::path& file) {
  return test::read_file(file);
}

TEST(Results, SqlReadsAndRefusesEveryWayOfWriting) {
  test::TempDir dir;
  const auto store = make_store(dir, kRuns);
  const std::string before = file_bytes(store);
  const auto table = read_only_query(store, "SELECT status, count(*) AS n FROM runs GROUP BY 1");
  EXPECT_EQ(table.columns, (std::vector<std::string>{"status", "n"}));
  EXPECT_EQ(table.rows.size(), 2u);
  for (const std::string sql :
       {"DELETE FROM runs", "UPDATE runs SET status = 'KILLED'", "DROP TABLE runs",
        "INSERT INTO sweeps (name, spec_toml, spec_fingerprint) VALUES ('x', '', '')",
        "SELECT 1; DROP TABLE runs", "ATTACH 'other.db' AS other", "PRAGMA user_version = 9",
        "PRAGMA journal_mode = DELETE", "CREATE TABLE t (x)", "BEGIN", "SELECT load_extension('x')",
        "VACUUM"}) {
    EXPECT_THROW(read_only_query(store, sql), Error) << sql;
  }
  EXPECT_EQ(file_bytes(store), before);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "other.db"));
  const auto r = test::run_command(std::string(SETFIT_TEST_CLI) + " results sql " + store.string() +
                                   " \"DELETE FROM runs\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "refused: results sql only reads")) << r.err;
  EXPECT_EQ(file_bytes(store), before);
}

TEST(Results, WhatIsNotAStoreIsAClearError) {
  test::TempDir dir;
  const auto error_of = [&](const std::filesystem::path& file, const std::string& sweep = "") {
    try {
      load_results(file, {sweep});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_TRUE(contains(error_of(dir.path() / "missing.db"), "no such run store"));
  std::ofstream(dir.path() / "text.db") << "not a database at all, just some text here\n";
  EXPECT_TRUE(contains(error_of(dir.path() / "text.db"), "not a setfit run store"));
  {
    SQLite::Database other((dir.path() / "other.db").string(),
                           SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE t (x)");
  }
  EXPECT_TRUE(contains(error_of(dir.path() / "other.db"), "not a setfit run store"));
  const auto store = make_store(dir, kRuns);
  EXPECT_TRUE(contains(error_of(store, "nope"), "no sweep named 'nope'; the store has: grid"));
  {
    SQLite::Database raw(store.string(), SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = 99");
  }
  EXPECT_TRUE(contains(error_of(store), "newer than this setfit"));
}

}  // namespace
}  // namespace setfit
