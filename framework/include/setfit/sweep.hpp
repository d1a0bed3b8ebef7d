#pragma once

// The sweep engine: expand a sweep file into runs, prepare each run once (validated config,
// plugins, records, run key), plan what to do from the store's state (a pure function),
// execute the plan with an Executor (local worker processes here; a cluster backend
// implements the same interface) and report the best configurations.
//   expand_sweep -> prepare_sweep -> plan_sweep -> Executor::execute -> sweep_report
// run_sweep() is that pipeline with the store in between, as `setfit sweep run` uses it.

#include <toml++/toml.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/named_inputs.hpp"
#include "setfit/records.hpp"
#include "setfit/run_config.hpp"
#include "setfit/run_store.hpp"

namespace setfit {

class PluginRegistry;

// ---- Expand ----

// One setting a run receives from the grid, for display ("loss = \"ContrastiveLoss\"").
struct GridAssignment {
  std::string key;  // resolved path, e.g. "args.batch_size", "model.head_params.C"
  std::string value;
  std::string where;  // file:line:column of the value in the sweep file (empty for seeds)
};

// One run of an expanded sweep: a complete `setfit train` config (tables data, model, args,
// eval) and what the grid and the seed axis set in it.
struct ExpandedRun {
  std::size_t index = 0;
  toml::table config;
  std::vector<GridAssignment> assignments;
};

// What the grid set in a run, for messages and reports: "key=value" pairs joined by
// `separator`, without `skip_key` (e.g. the seed, to group runs over seeds);
// "(the fixed config)" when nothing is left.
SETFIT_API std::string settings_label(const ExpandedRun& run, const std::string& separator = " ",
                                      const std::string& skip_key = "");

// The [sweep] table.
struct SweepHeader {
  std::string name;
  std::vector<std::int64_t> seeds;  // empty: the config's own seed
  std::string method = "grid";      // "grid" or "random"
  std::int64_t trials = 0;          // random search
  std::uint64_t search_seed = 0;
  std::string metric = "accuracy";
  std::string direction = "maximize";
};

struct ExpandedSweep {
  SweepHeader header;
  std::vector<ExpandedRun> runs;
  std::vector<VariedParameter> varied;
};

// A TOML value as a config would write it, numbers in their shortest round-trip form:
// 2e-05, [16, 2], "ContrastiveLoss", {loss = "x", margin = 0.5}.
SETFIT_API std::string render_toml_value(const toml::node& node);

// Expands a sweep file (docs/sweep-format.md): the fixed [data], [model], [args] and [eval]
// tables, [grid] lists (pairs for per-stage fields, [grid.embedding]/[grid.classifier] for
// one half, lists of tables for values that vary together), the seeds axis, and random
// search with uniform/log_uniform/int_uniform/choice distributions (deterministic under
// search_seed). Errors name origin:line:column and the key. Runs are in a stable order:
// the grid's keys in file order, the last varying fastest, seeds innermost.
// A sweep larger than `max_runs` is refused before anything is expanded.
inline constexpr std::size_t kDefaultMaxRuns = 100'000;
SETFIT_API ExpandedSweep expand_sweep(const toml::table& doc, const std::string& origin,
                                      std::size_t max_runs = kDefaultMaxRuns);

// ---- Prepare ----

// Checks run `index` of the sweep as `setfit train` would before training (config tables,
// TrainingArguments, [eval], plugin names and parameters) and that it computes the sweep's
// metric; errors name the run and its grid values. Fetches no data set unless
// `fetch_datasets`.
SETFIT_API RunConfig validate_sweep_run(const ExpandedSweep& sweep, std::size_t index,
                                        const std::filesystem::path& file,
                                        const PluginRegistry& registry, const NamedInputs& inputs,
                                        bool fetch_datasets);

// One run, read and validated once: what the store records and what a worker trains.
struct PreparedRun {
  std::size_t index = 0;    // in the expanded sweep
  std::string label;        // the grid values, for messages
  std::string group_label;  // the grid values without the seed (runs compared over seeds)
  RunConfig config;         // absolute paths, the body resolved to its folder
  std::vector<ArgRecord> records;
  std::vector<std::pair<PluginKind, std::string>> plugins;  // the ones that run
  toml::table worker_config;  // the resolved config a worker trains (absolute paths)
  std::string key;            // the run key
  std::string stage1_key;     // equal for runs whose stage 1 is identical (shareable)
};

// Content hashes of inputs, computed once per file or folder across a sweep.
class SETFIT_API InputFingerprints {
 public:
  const std::string& file(const std::filesystem::path& path);
  const std::string& folder(const std::filesystem::path& path);

 private:
  std::map<std::string, std::string> files_, folders_;
};

// A run's key: a hash of its records (plugin parameters at their default left out; see
// in_run_key), the contents of its data files and model folder, and the names and versions
// of its plugins. `setfit train --db` and sweeps use this one recipe. `stage1_key` hashes
// what stage 1 depends on; runs that train end to end, evaluate or checkpoint during
// training never share stage 1 (their stage 1 involves the head), so theirs is the run key.
struct RunKeys {
  std::string key;
  std::string stage1_key;
};
SETFIT_API RunKeys run_keys(const RunConfig& config, const std::filesystem::path& body_folder,
                            const std::vector<ArgRecord>& records, const ResolvedPlugins& plugins,
                            const PluginRegistry& registry, InputFingerprints& fingerprints);

// Validates every run first (nothing fetched), then fetches, resolves and fingerprints.
SETFIT_API std::vector<PreparedRun> prepare_sweep(const ExpandedSweep& sweep,
                                                  const std::filesystem::path& file,
                                                  const PluginRegistry& registry,
                                                  const NamedInputs& inputs,
                                                  const std::atomic<bool>* stop = nullptr);

// ---- Plan ----

// What the store holds for a run when the sweep starts.
struct StoredRunState {
  std::int64_t id = 0;
  RunStatus status = RunStatus::Scheduled;
  std::int64_t attempt = 0;
  std::string host;
  std::int64_t pid = 0;
  double heartbeat_age_s = 0.0;
  bool worker_alive = false;  // its worker process lives on this host (checked by the caller)
  bool on_this_host = false;
};

struct PlanPolicy {
  std::int64_t max_attempts = 3;  // a FAILED run is retried until started this many times
  double stale_after_s = 300;     // a RUNNING run elsewhere without a heartbeat this long
  bool share = true;              // one stage 1 per group of identical stage-1 inputs
};

// Runs that one worker trains: one stage 1, then each run's stage 2.
struct WorkUnit {
  std::vector<std::size_t> runs;  // indices into the prepared runs
};

struct SweepPlan {
  std::vector<WorkUnit> units;
  std::size_t to_do = 0;
  std::size_t skipped = 0;         // finished, diverged, out of attempts, or running elsewhere
  std::vector<std::string> notes;  // why runs were skipped or merged, one line each
};

// Pure: FINISHED and DIVERGED runs are skipped (deterministic), FAILED ones retried within
// max_attempts, KILLED and dead or stale RUNNING ones retried; grid points that resolve to
// the same stored run are one run; the rest are grouped by stage-1 key (or one unit each
// without sharing). `states[i]` belongs to `runs[i]`.
SETFIT_API SweepPlan plan_sweep(const std::vector<PreparedRun>& runs,
                                const std::vector<StoredRunState>& states,
                                const PlanPolicy& policy);

// ---- Execute ----

struct ExecutionProgress {
  std::size_t finished = 0, failed = 0, running = 0, total = 0;
};

struct ExecutorOptions {
  bool fail_fast = false;      // launch nothing more after a failed run
  double timeout_per_run = 0;  // seconds; 0: none
};

// Runs work units whose runs the store holds; workers record results into the store. A
// cluster backend implements this. `ids[i]` is the store id of `runs[i]`.
class SETFIT_API Executor {
 public:
  virtual ~Executor();
  // Calls `claim_unit` just before a unit is launched and launches only the runs it returns:
  // it marks them started in the store, leaving out those another orchestrator of the same
  // store started meanwhile (nothing is launched when none is left). Returns when every unit
  // ended, or when `stop` became true (the running ones are then stopped and their runs
  // marked KILLED). A run whose worker ended without recording its end is marked FAILED (or
  // KILLED) saying how the worker ended.
  virtual void execute(const std::vector<PreparedRun>& runs, const std::vector<std::int64_t>& ids,
                       const std::vector<WorkUnit>& units, RunStore& store,
                       const std::function<WorkUnit(const WorkUnit&)>& claim_unit,
                       const std::atomic<bool>& stop,
                       const std::function<void(const ExecutionProgress&)>& progress) = 0;
};

// Warm worker processes on this machine, up to `jobs`, each with `threads` (else cores/jobs)
// LibTorch threads, each training unit after unit (units with more runs first; a unit goes
// preferably to a worker that has its body loaded). `worker_command(threads)` is the command
// line of a worker without its arguments; the executor appends `--db DB --serve` and hands
// it units as serve_sweep_worker reads them. A crash, abort or timeout in a worker fails the
// runs of its unit (with the signal, the stage and the last log lines), not the sweep, and the
// next unit gets a new worker; a worker stopped by SIGTERM or SIGINT (a user, a scheduler's
// cancel) leaves its runs KILLED.
struct LocalExecutorOptions : ExecutorOptions {
  int jobs = 0;     // 0: one per core
  int threads = 0;  // LibTorch threads per worker; 0: cores / jobs
  // false: a new worker process for every unit (no state, plugin or body, outlives a unit).
  bool reuse_workers = true;
  std::function<std::vector<std::string>(int threads)> worker_command;
};
SETFIT_API std::unique_ptr<Executor> make_local_executor(LocalExecutorOptions options);

// The worker side: trains the runs of one unit (their resolved configs in
// `work_dir/configs/run-ID.toml`): stage 1 once with the first run's settings, then for every
// run the same body and random state, its stage 2, evaluation and record. Returns true
// when every run finished.
SETFIT_API bool run_sweep_worker(const std::filesystem::path& db,
                                 const std::vector<std::int64_t>& run_ids,
                                 const PluginRegistry& registry);
// A warm worker: reads units from `units_fd`, one line each ("LOG_FILE<TAB>ID,ID,..."),
// trains each as run_sweep_worker does with its output appended to LOG_FILE, and answers
// "ok" or "failed" on `status_fd`, until `units_fd` ends. The body loaded last stays loaded
// (restored to its weights as loaded) for a next unit that uses it. Returns 0.
SETFIT_API int serve_sweep_worker(const std::filesystem::path& db, const PluginRegistry& registry,
                                  int units_fd, int status_fd);
// "3,4,5" -> {3, 4, 5}; throws UsageError naming the item that is not a run id.
SETFIT_API std::vector<std::int64_t> parse_run_ids(const std::string& list);

// Where a sweep keeps worker configs and logs: beside the store, DB.work/.
SETFIT_API std::filesystem::path sweep_work_dir(const std::filesystem::path& db);

// Writes the resolved configs of a unit's runs where run_sweep_worker reads them
// (sweep_work_dir(db)/configs/run-ID.toml): what any executor does before starting a worker.
SETFIT_API void write_unit_configs(const std::vector<PreparedRun>& runs,
                                   const std::vector<std::int64_t>& ids, const WorkUnit& unit,
                                   const std::filesystem::path& db);

// ---- Report ----

struct RankedConfiguration {
  double mean = 0, std = 0;
  std::size_t runs = 0;
  std::string label;
};
struct SweepReport {
  SweepHeader header;  // name, metric and direction
  std::map<RunStatus, std::size_t> counts;
  std::size_t distinct_runs = 0;
  std::vector<RankedConfiguration> best;  // best first, by the sweep's metric and direction
};
SETFIT_API SweepReport sweep_report(const ExpandedSweep& sweep,
                                    const std::vector<PreparedRun>& runs,
                                    const std::vector<std::int64_t>& ids, const RunStore& store);

// ---- The pipeline ----

struct SweepRunOptions {
  std::filesystem::path db;
  std::size_t max_runs = kDefaultMaxRuns;  // larger sweeps are refused before expansion
  bool allow_changed = false;              // continue a sweep whose spec changed
  PlanPolicy policy;
};

// Expands, prepares, records the sweep and its runs (with params and plugins), plans and
// executes; returns the report. `stop` (set by a signal handler) ends it cleanly.
SETFIT_API SweepReport run_sweep(const std::filesystem::path& file, const SweepRunOptions& options,
                                 const PluginRegistry& registry, const NamedInputs& inputs,
                                 Executor& executor, const std::atomic<bool>& stop,
                                 const std::function<void(const ExecutionProgress&)>& progress);

}  // namespace setfit
