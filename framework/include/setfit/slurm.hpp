#pragma once

// Sweeps on Slurm: a planned sweep's manifest (sweep_manifest.hpp) submitted as one job array,
// a task per array index (`setfit sweep worker --manifest DIR --index $SLURM_ARRAY_TASK_ID`),
// and a collect job that runs after it (`afterany`). Everything goes through Slurm's
// command-line tools (sbatch, squeue, scancel, scontrol) by fork/exec: their interface is
// stable across releases where the C API is not. What was submitted is recorded in
// DIR/slurm/submissions.json, so that status, cancel and resume find the jobs again.

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/sweep_manifest.hpp"

namespace setfit {

struct SlurmOptions {
  std::string partition, mem, time;         // empty: the cluster's defaults
  std::size_t cpus_per_task = 1;            // also each task's LibTorch thread count
  std::size_t max_parallel = 0;             // at most this many tasks at once; 0: no cap
  std::vector<std::string> sbatch_args;     // more sbatch options, as they are
  std::vector<std::string> setfit_command;  // the setfit program and its global options
  std::filesystem::path db;                 // the store the collect job merges into
  std::size_t max_array_size = 0;           // the cluster's MaxArraySize; 0: ask scontrol
};

// How a list of manifest tasks maps onto one array. Array indices must stay below the
// cluster's MaxArraySize: when every task number does, array index i is task i (`stride` 0);
// otherwise the array has `stride` indices and index i runs tasks[i], tasks[i + stride], ...
struct SlurmArrayPlan {
  std::string array;        // the --array value, e.g. "0-11", "3,5,9-12%4"
  std::size_t stride = 0;   // 0: the index is the task number
  std::size_t indices = 0;  // how many array tasks
};
SETFIT_API SlurmArrayPlan plan_slurm_array(const std::vector<std::size_t>& tasks,
                                           std::size_t max_array_size, std::size_t max_parallel);
// The manifest tasks array index `index` runs under `plan`.
SETFIT_API std::vector<std::size_t> array_index_tasks(const std::vector<std::size_t>& tasks,
                                                      const SlurmArrayPlan& plan,
                                                      std::size_t index);

// The task list a submission writes (DIR/slurm/submission-N.tasks, a number per line); a
// strided array reads it. Throws setfit::Error naming the file and line.
SETFIT_API std::vector<std::size_t> read_slurm_task_list(const std::filesystem::path& file);

// The two batch scripts of a submission: the array (one manifest task per index, or a stride
// of them) and the collect job. `task_list` is where a strided array reads its tasks.
struct SlurmScripts {
  std::string array, collect;
};
SETFIT_API SlurmScripts slurm_scripts(const std::filesystem::path& dir,
                                      const std::string& sweep_name, const SlurmArrayPlan& plan,
                                      const std::filesystem::path& task_list,
                                      const SlurmOptions& options);

// MaxArraySize from `scontrol show config` (Slurm's default, 1001, when it is not shown).
SETFIT_API std::size_t slurm_max_array_size();

struct SlurmSubmission {
  std::size_t number = 0;  // 1, 2, ... in the order submitted
  std::string array_job, collect_job;
  std::vector<std::size_t> tasks;
  SlurmArrayPlan plan;
  std::string submitted_at;  // UTC, ISO 8601
};

// Writes the scripts into DIR/slurm/, submits the array with `sbatch --parsable` and the
// collect job after it (`--dependency=afterany:ARRAY`), and records the submission. sbatch's
// own message is in the error when it refuses a job. Logs go to DIR/logs/.
SETFIT_API SlurmSubmission submit_to_slurm(const std::filesystem::path& dir,
                                           const std::vector<std::size_t>& tasks,
                                           const SlurmOptions& options);
// Every submission recorded in DIR, oldest first (none: empty).
SETFIT_API std::vector<SlurmSubmission> read_slurm_submissions(const std::filesystem::path& dir);

// Moves the record of submissions aside (DIR/slurm/submissions-N.json) once the manifest
// was planned again: their array indices name the earlier plan's tasks.
SETFIT_API void retire_slurm_submissions(const std::filesystem::path& dir);

struct SlurmTaskState {
  std::string job;  // "ARRAY_INDEX", e.g. "12_3"
  std::string state, reason;
};
// What squeue says of each task's latest array task, by manifest task (tasks whose records
// Slurm no longer holds are absent). Throws setfit::Error when squeue cannot be run.
SETFIT_API std::map<std::size_t, SlurmTaskState> slurm_task_states(
    const std::filesystem::path& dir);
// COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, BOOT_FAIL,
// DEADLINE: the task will not run again by itself.
SETFIT_API bool slurm_state_is_final(std::string_view state);

// The manifest tasks whose runs are not all FINISHED (failed, timed out, cancelled, never
// published) and that Slurm is not running or about to; those it is are added to `active`.
SETFIT_API std::vector<std::size_t> slurm_tasks_to_resubmit(const std::filesystem::path& dir,
                                                            std::vector<std::size_t>* active);

// Plans `changed` (the sweep file planned again) into DIR (replace_manifest) and retires the
// record of submissions. Refused (UsageError) while a task of DIR is pending or running.
SETFIT_API SweepManifest replan_submitted_sweep(const std::filesystem::path& dir,
                                                SweepManifest changed);

// What Slurm tells an array task through its environment: its job as the store records it
// ("slurm 12_3"; empty outside Slurm) and the cores it asked for (0: not said).
struct SlurmTaskEnvironment {
  std::string job;
  int cpus = 0;
};
SETFIT_API SlurmTaskEnvironment slurm_task_environment();

// Cancels (scancel) every array task of the sweep still pending or running; the collect job
// stays, so that it merges what the stopped tasks published. Returns the jobs cancelled.
SETFIT_API std::vector<std::string> cancel_slurm_sweep(const std::filesystem::path& dir);

}  // namespace setfit
