#pragma once

// A sweep planned once and run anywhere: the manifest folder is the whole contract between
// whoever plans a sweep and the tasks that train it (a job array, indexed jobs, a loop of
// processes). Each task is one work unit (the runs that share stage 1): it trains them into
// a store of its own on local disk (SQLite must never be shared over a network file system)
// and publishes it into the manifest folder; collecting merges the published stores.
//   plan_manifest -> write_manifest(DIR) -> run_manifest_task(DIR, i) for every i
//   -> collect_manifest(DIR, runs.db)

#include <cstddef>
#include <filesystem>
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
  static constexpr int kVersion = 1;
  int version = kVersion;
  std::string sweep_name, spec_toml, fingerprint;
  std::vector<VariedParameter> varied;
  std::size_t tasks = 0;
};

struct SweepManifest {
  ManifestHeader header;
  std::vector<ManifestTask> tasks;
};

// Expands, validates and prepares the sweep exactly as `sweep run` does (data sets fetched
// once, run keys, stage-1 groups) and makes one task per work unit.
SETFIT_API SweepManifest plan_manifest(const std::filesystem::path& sweep_file,
                                       const PluginRegistry& registry, const NamedInputs& inputs,
                                       bool share = true, std::size_t max_runs = kDefaultMaxRuns);

// DIR/manifest.json and DIR/tasks/task-N.json, each written atomically (DIR is created).
// Throws setfit::Error naming DIR when it cannot be written.
SETFIT_API void write_manifest(const SweepManifest& manifest, const std::filesystem::path& dir);
// Throw setfit::Error for a missing or malformed file, or a manifest of another version.
SETFIT_API ManifestHeader read_manifest(const std::filesystem::path& dir);
SETFIT_API ManifestTask read_manifest_task(const std::filesystem::path& dir, std::size_t index);

// Where task `index` publishes its store: DIR/shards/task-INDEX.db.
SETFIT_API std::filesystem::path task_shard_path(const std::filesystem::path& dir,
                                                 std::size_t index);

// Trains task `index` into a fresh store under `scratch` (node-local disk), then publishes it
// into DIR/shards/ under a temporary name renamed into place, so that a retried task replaces
// its shard whole. Returns whether every run finished.
SETFIT_API bool run_manifest_task(const std::filesystem::path& dir, std::size_t index,
                                  const PluginRegistry& registry,
                                  const std::filesystem::path& scratch);

struct CollectReport {
  MergeReport merge;
  std::vector<std::size_t> missing;     // tasks that published no store
  std::vector<std::size_t> incomplete;  // tasks whose store holds runs not FINISHED
};
// Merges every published store into `db` (results merge's rules: runs by key, a FINISHED run
// wins, conflicts reported; merging again changes nothing) and lists the tasks left to do.
SETFIT_API CollectReport collect_manifest(const std::filesystem::path& dir,
                                          const std::filesystem::path& db);

}  // namespace setfit
