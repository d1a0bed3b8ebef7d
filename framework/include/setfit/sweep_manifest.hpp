#pragma once

// A sweep planned once and run anywhere: the manifest folder is the whole contract between
// whoever plans a sweep and the tasks that train it (a job array, indexed jobs, a loop of
// processes). Each task is one work unit (the runs that share stage 1): it trains them into
// a store of its own on local disk (SQLite must never be shared over a network file system)
// and publishes it into the manifest folder; collecting merges the published stores.
//   plan_manifest -> write_manifest(DIR) -> run_manifest_task(DIR, i) for every i
//   -> collect_manifest(DIR, runs.db)

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/named_inputs.hpp"
#include "setfit/records.hpp"
#include "setfit/results.hpp"
#include "setfit/sweep.hpp"

namespace setfit {

class PluginRegistry;

// One run as a task records and trains it: everything the orchestrator of `sweep run` knows.
struct ManifestRun {
  std::string key, stage1_key, label;
  std::vector<ArgRecord> records;
  std::vector<std::pair<PluginKind, std::string>> plugins;
  std::string config_toml;  // the resolved config a worker trains (absolute paths)
};

struct ManifestTask {
  std::vector<ManifestRun> runs;  // one stage 1, then each run's stage 2
};

// DIR/manifest.json: the sweep as the store records it, and how many tasks there are. Each
// task's runs are in DIR/tasks/task-N.json, so that a task reads only its own.
struct ManifestHeader {
  static constexpr int kVersion = 2;  // 2: records as arrays
  int version = kVersion;
  std::string sweep_name, spec_toml, fingerprint;
  std::filesystem::path sweep_file;  // absolute: where resuming reads the sweep again
  std::vector<VariedParameter> varied;
  std::size_t tasks = 0;
};

struct SweepManifest {
  ManifestHeader header;
  std::vector<ManifestTask> tasks;
  SETFIT_API std::size_t run_count() const;
  SETFIT_API std::vector<std::size_t> task_indices() const;  // 0 .. tasks - 1
};

// Expands, validates and prepares the sweep exactly as `sweep run` does (data sets fetched
// once, run keys, stage-1 groups) and makes one task per work unit.
SETFIT_API SweepManifest plan_manifest(const std::filesystem::path& sweep_file,
                                       const PluginRegistry& registry, const NamedInputs& inputs,
                                       bool share = true, std::size_t max_runs = kDefaultMaxRuns);

// DIR/manifest.json and DIR/tasks/task-N.json, each written atomically (DIR is created).
// Throws setfit::Error naming DIR when it cannot be written.
SETFIT_API void write_manifest(const SweepManifest& manifest, const std::filesystem::path& dir);
// Plans a changed sweep into DIR, which holds an earlier plan of it: the stores published so
// far move to DIR/shards/earlier-N/ (collected still, never lost), runs FINISHED in any of
// them are left out of the new tasks, and tasks left without runs are dropped. Returns the
// manifest as written.
SETFIT_API SweepManifest replace_manifest(SweepManifest manifest, const std::filesystem::path& dir);
// Throw setfit::Error for a missing or malformed file, or a manifest of another version.
SETFIT_API ManifestHeader read_manifest(const std::filesystem::path& dir);
SETFIT_API ManifestTask read_manifest_task(const std::filesystem::path& dir, std::size_t index);

// Where task `index` publishes its store: DIR/shards/task-INDEX.db.
SETFIT_API std::filesystem::path task_shard_path(const std::filesystem::path& dir,
                                                 std::size_t index);

struct ManifestTaskOptions {
  std::filesystem::path scratch;  // node-local disk for the task's store
  // Starts the worker process that trains the task's runs (as `sweep run` does): a crash,
  // abort or timeout in it fails the task's runs, which are still published.
  LocalExecutorOptions worker;
  std::string scheduler_job;  // recorded with every run, e.g. "slurm 12_3"; empty: none
};

// Trains task `index` into a fresh store under `options.scratch` (node-local disk) through a
// worker process, then publishes it into DIR/shards/ under a temporary name renamed into
// place, so that a retried task replaces its shard whole. When `stop` becomes true (SIGTERM
// from a scheduler's cancel) the worker is stopped, its runs are marked KILLED and the store
// is still published. Returns whether every run finished.
SETFIT_API bool run_manifest_task(const std::filesystem::path& dir, std::size_t index,
                                  const PluginRegistry& registry,
                                  const ManifestTaskOptions& options,
                                  const std::atomic<bool>& stop);

// What a task's published store says, read without changing it.
struct TaskShardState {
  bool published = false;
  std::string unreadable;  // why the published file is not a run store; empty when it is
  std::size_t runs = 0;
  std::map<RunStatus, std::size_t> counts;
  std::string scheduler_job;     // the cluster job its runs last ran in; empty if none
  SETFIT_API bool done() const;  // published, readable, every run FINISHED
};
// One entry per task of the manifest in DIR.
SETFIT_API std::vector<TaskShardState> manifest_task_states(const std::filesystem::path& dir);

struct CollectReport {
  MergeReport merge;
  std::vector<std::size_t> missing;     // tasks that published no store
  std::vector<std::size_t> incomplete;  // tasks whose store holds runs not FINISHED
  std::vector<std::pair<std::size_t, std::string>> unreadable;  // published, not a run store
};
// Merges every published store into `db` (results merge's rules: runs by key, a FINISHED run
// wins, conflicts reported; merging again changes nothing), earlier plans' stores first, and
// lists the tasks left to do. A
// published file that is not a run store is listed, not merged, and left where it is.
SETFIT_API CollectReport collect_manifest(const std::filesystem::path& dir,
                                          const std::filesystem::path& db);

}  // namespace setfit
