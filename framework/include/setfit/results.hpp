#pragma once

// Querying a run store: the runs of a selection with their params and summary metrics, as
// tables (a row per run, or per configuration aggregated over seeds) in every output format,
// and read-only SQL. Opens stores read-only; never writes.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/run_store.hpp"

namespace setfit {

// One run as results see it. Params are named "params.KEY" for global settings and
// "params.STAGE.KEY" for per-stage ones ("params.embedding.body_learning_rate").
struct ResultRun {
  std::int64_t id = 0;
  std::string sweep;  // empty for standalone runs
  RunStatus status = RunStatus::Scheduled;
  std::map<std::string, std::string> params;  // name -> value as recorded ("16", "\"linear\"")
  std::map<std::string, double> metrics;      // the run's summary (test metrics)
  std::optional<double> duration_s;
  std::string error_stage, error;  // for FAILED, DIVERGED, KILLED runs: the first line
};

struct ResultSet {
  std::vector<ResultRun> runs;
  // Params with one value in every run of the sweep are kept once here, not per run.
  std::map<std::string, std::string> constants;
  std::vector<std::string> varied;   // params whose value differs within the selection
  std::vector<std::string> metrics;  // every summary metric present, sorted
  std::string metric = "accuracy";   // the sweep's declared metric (or accuracy)
  std::string direction = "maximize";

  // A param's recorded value in a run (a constant's value, or empty when the run has none).
  SETFIT_API std::string value_of(const ResultRun& run, const std::string& param) const;
  // Every param name of the selection, loaded or constant.
  SETFIT_API std::vector<std::string> param_names() const;
};

struct ResultQuery {
  ResultQuery(std::string sweep_name = "", std::string condition = "")
      : sweep(std::move(sweep_name)), where(std::move(condition)) {}
  std::string sweep;  // a sweep's name or id; empty: every run in the store
  // Only the runs for which this holds (docs/results.md, "--where"): comparisons of params,
  // metrics, id, status, host and duration with numbers and quoted texts, `in`, `and`, `or`,
  // `not`, parentheses. Compiled to SQL with every value bound as a parameter.
  std::string where;
  // Read only the params the sweep says it varies (recorded since store schema 3), enough for
  // list_runs: constants and params changed only as a consequence are then not loaded, which
  // saves scanning every param row of a large sweep. Stores without that record load all.
  bool varied_only = false;
};

// Reads the selection. Throws setfit::Error for a file that is not a run store, a store of
// a newer schema, an unknown sweep.
SETFIT_API ResultSet load_results(const std::filesystem::path& db, const ResultQuery& query);

// A cell of a result table: empty, a number, or text.
using ResultCell = std::variant<std::monostate, double, std::string>;

struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<ResultCell>> rows;
};

// A row per run: id, status, the varied params, the metrics, duration, error; sorted by
// `sort` (a column; numbers numerically, descending for metrics) and cut to `limit` (0: all).
SETFIT_API ResultTable list_runs(const ResultSet& results, const std::string& sort = "",
                                 std::size_t limit = 0);

// Statistics over seeds.
enum class Aggregate { Mean, Std, Sem, Min, Max, N, Ci95 };
SETFIT_API Aggregate aggregate_from_string(const std::string& name);  // throws UsageError
SETFIT_API std::string to_string(Aggregate aggregate);

struct CompareOptions {
  std::vector<std::string> group_by;  // params; empty: every varied param but the seed
  std::vector<std::string> metrics;   // empty: the sweep's metric
  std::vector<Aggregate> aggregates = {Aggregate::Mean, Aggregate::Std, Aggregate::N};
};

// FINISHED runs grouped by configuration: one row per group, a column per metric and
// aggregate ("metrics.accuracy.mean"), sorted by the first metric's mean in the sweep's
// direction. std is the sample standard deviation (n - 1); ci95 the half-width of Student's t
// interval; n shows missing seeds.
SETFIT_API ResultTable compare_configs(const ResultSet& results, const CompareOptions& options);

struct BestOptions {
  std::string metric;     // empty: the sweep's
  std::string direction;  // "maximize"/"minimize" (or max/min); empty: the sweep's
  std::size_t top = 5;
  bool per_run = false;  // rank single runs instead of configurations
};
SETFIT_API ResultTable best_configs(const ResultSet& results, const BestOptions& options);

// A paired comparison of two configurations (numbered as compare_configs numbers them with
// its defaults for `metric`) over the seeds both have: the mean difference A - B with its
// standard error, wins, the two-sided sign test (ties dropped) and paired t test p-values.
struct PairedDifference {
  std::string metric;
  std::size_t pairs = 0, a_wins = 0, b_wins = 0, ties = 0;
  double mean = 0, sem = 0, sign_p = 1, t_p = 1;
  std::vector<std::string> seeds;
};
SETFIT_API PairedDifference paired_difference(const ResultSet& results, std::size_t config_a,
                                              std::size_t config_b, const std::string& metric = "");
// The same for any two selections (say, loaded with --where expressions): their FINISHED runs
// paired by seed. A selection with two finished runs of one seed spans several
// configurations: a UsageError says so.
SETFIT_API PairedDifference paired_difference(const ResultSet& a, const ResultSet& b,
                                              const std::string& metric = "");
// The runs of one configuration, numbered as compare_configs numbers them for `metric`.
SETFIT_API ResultSet config_runs(const ResultSet& results, std::size_t config,
                                 const std::string& metric = "");
SETFIT_API ResultTable paired_difference_table(const PairedDifference& difference);
// Two-sided p-values: Student's t with `df` degrees of freedom; the sign test.
SETFIT_API double student_t_two_sided_p(double t, double df);
SETFIT_API double sign_test_p(std::size_t wins, std::size_t losses);

// Folds run stores made on several machines into `out` (created when absent): sweeps match
// by name, runs by run key in their sweep. An attempt that ended better replaces the other
// (FINISHED over DIVERGED over FAILED/KILLED over unfinished). Two FINISHED attempts with
// different summaries are a conflict: with MergePreference::None that shard is not merged
// (each shard is one transaction) and the conflicts are reported; First keeps what `out`
// had, Last takes the shard's. A sweep
// whose spec differs under the same name is a conflict too (its runs are not merged).
// Merging the same shard twice changes nothing; shards are opened read-only.
enum class MergePreference { None, First, Last };
struct MergeReport {
  std::size_t sweeps_added = 0, runs_added = 0, runs_replaced = 0, runs_unchanged = 0;
  std::vector<std::string> conflicts;
  bool committed = false;  // every shard merged (none left out for an unresolved conflict)
  std::string integrity;   // PRAGMA integrity_check after the merge ("ok")
};
// A sweep's spec as it is now: shards that recorded an earlier spec of it (a sweep planned
// again after its file changed) merge into it instead of conflicting, and `out` records it.
struct CurrentSweepSpec {
  std::string name, spec_toml, fingerprint;
};
SETFIT_API MergeReport merge_stores(const std::filesystem::path& out,
                                    const std::vector<std::filesystem::path>& shards,
                                    MergePreference prefer = MergePreference::None,
                                    const CurrentSweepSpec* current = nullptr);

// Output formats: table (aligned columns), csv (RFC 4180), json (an array of objects), jsonl,
// markdown, latex. Numbers are written in their shortest round-trip form; NaN and
// infinities as nan, inf and -inf (in JSON: null, since JSON has no such numbers).
enum class ResultFormat { Table, Csv, Json, Jsonl, Markdown, Latex };
SETFIT_API ResultFormat result_format_from_string(const std::string& name);  // throws UsageError
SETFIT_API std::string render_table(const ResultTable& table, ResultFormat format);

// Runs one SELECT on the store opened read-only: the connection is read-only, query_only is
// on, and an authorizer refuses anything but reading (writes, ATTACH, PRAGMA, extension
// loading, transactions). Throws setfit::Error saying what was refused.
SETFIT_API ResultTable read_only_query(const std::filesystem::path& db, const std::string& sql);

}  // namespace setfit
