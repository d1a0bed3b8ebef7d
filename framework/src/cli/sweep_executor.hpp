#pragma once

#include <cstdint>
#include <filesystem>

#include "../sweep/sweep_spec.hpp"
#include "command.hpp"
#include "setfit/plugin_registry.hpp"
#include "train_config.hpp"

namespace setfit::cli {

struct SweepRunOptions {
  std::filesystem::path db;
  int jobs = 0;                // 0: one per core
  bool fail_fast = false;      // stop at the first failed run (default: keep going)
  double timeout_per_run = 0;  // seconds; 0: none
  bool allow_changed = false;  // continue a sweep whose spec changed
  std::int64_t max_attempts = 3;
  double stale_after_s = 300;  // a RUNNING run without a heartbeat this long is retried
  bool share = true;           // train stage 1 once per group of runs with identical inputs
};

// Checks one expanded run as `setfit train` would before training (config tables,
// TrainingArguments, plugin names, head parameters); errors name the run and its grid values.
TrainConfig validate_sweep_run(const detail::ExpandedRun& run, std::size_t count,
                               const std::filesystem::path& file, const GlobalOptions& global,
                               const PluginRegistry& registry, bool fetch_datasets);

// `setfit sweep run`: records the sweep and its runs in the store, skips FINISHED runs,
// retries FAILED (up to max_attempts), KILLED and stale RUNNING ones, and trains the rest
// in worker processes (`setfit train --db DB --run-id N`), each with cores/jobs LibTorch
// threads. A crash, abort or timeout in a worker fails that run (with the signal, the
// stage and the last log lines), not the sweep. Ctrl-C stops the workers and marks their
// runs KILLED. Prints the best configurations (mean and std over seeds) at the end.
// Returns the exit code: 0 when every run finished, 1 otherwise, 130 when interrupted.
int run_sweep_file(const std::filesystem::path& file, const SweepRunOptions& options,
                   const GlobalOptions& global);

// The worker a sweep starts for one stage-1 group (`setfit sweep worker --db DB --run-ids
// 3,4,5`; configs in DB.work/configs/run-ID.toml): trains stage 1 once with the first run's
// settings, then for every run restores that body and the random generator's state, trains
// its stage 2, evaluates and records it. Returns 0 when every run finished.
int run_sweep_worker(const std::filesystem::path& db, const std::vector<std::int64_t>& run_ids,
                     const GlobalOptions& global);

// `setfit sweep status`: runs by state, per sweep.
int print_sweep_status(const std::filesystem::path& db, const std::string& sweep_name);

}  // namespace setfit::cli
