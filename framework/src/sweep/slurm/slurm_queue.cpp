// What Slurm says of a submitted sweep's array tasks (squeue -t all) and cancelling them
// (scancel).

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <sstream>

#include "setfit/errors.hpp"
#include "setfit/slurm.hpp"
#include "slurm_command.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

struct QueueLine {
  std::string array_job, index, state, reason;
};

// Every array task of `job` Slurm still holds (pending ones one per line). A job whose record
// Slurm purged (MinJobAge) gives nothing.
std::vector<QueueLine> queue_lines(const std::string& job) {
  const auto result = detail::run_slurm_command(
      {"squeue", "-h", "-r", "-t", "all", "-j", job, "-o", "%F|%K|%T|%r"});
  if (result.exit_code != 0) {
    if (result.err.find("Invalid job id") != std::string::npos) return {};
    throw Error(fmt::format("squeue failed (exit {}): {}", result.exit_code, result.err));
  }
  std::vector<QueueLine> lines;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) {
    QueueLine q;
    std::istringstream fields(line);
    std::getline(fields, q.array_job, '|');
    std::getline(fields, q.index, '|');
    std::getline(fields, q.state, '|');
    std::getline(fields, q.reason, '|');
    if (!q.state.empty()) lines.push_back(std::move(q));
  }
  return lines;
}

}  // namespace

bool slurm_state_is_final(std::string_view state) {
  static const std::set<std::string_view> final_states = {"COMPLETED", "FAILED",        "CANCELLED",
                                                          "TIMEOUT",   "OUT_OF_MEMORY", "NODE_FAIL",
                                                          "PREEMPTED", "BOOT_FAIL",     "DEADLINE"};
  return final_states.count(state) > 0;
}

std::map<std::size_t, SlurmTaskState> slurm_task_states(const fs::path& dir) {
  std::map<std::size_t, SlurmTaskState> states;
  // Oldest first: a task resubmitted later takes the later submission's state.
  for (const auto& submission : read_slurm_submissions(dir)) {
    for (const auto& line : queue_lines(submission.array_job)) {
      std::size_t index = 0;
      try {
        index = std::stoul(line.index);
      } catch (const std::exception&) {
        continue;  // not an array task
      }
      for (auto task : array_index_tasks(submission.tasks, submission.plan, index)) {
        states[task] = {fmt::format("{}_{}", line.array_job, index), line.state,
                        line.reason == "None" ? "" : line.reason};
      }
    }
  }
  return states;
}

std::vector<std::size_t> slurm_tasks_to_resubmit(const fs::path& dir,
                                                 std::vector<std::size_t>* active) {
  const auto stores = manifest_task_states(dir);
  const auto queue = slurm_task_states(dir);
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    if (stores[i].done()) continue;
    const auto it = queue.find(i);
    if (it != queue.end() && !slurm_state_is_final(it->second.state)) {
      if (active != nullptr) active->push_back(i);
    } else {
      todo.push_back(i);
    }
  }
  return todo;
}

SweepManifest replan_submitted_sweep(const fs::path& dir, SweepManifest changed) {
  // Planned again, from scratch, once nothing of the earlier plan runs any more.
  for (const auto& [task, state] : slurm_task_states(dir)) {
    if (!slurm_state_is_final(state.state)) {
      throw UsageError(fmt::format(
          "{}: task {} is still {} in Slurm (job {}); wait for it, or 'setfit sweep cancel {}', "
          "before planning the changed sweep",
          dir.string(), task, state.state, state.job, dir.string()));
    }
  }
  auto replaced = replace_manifest(std::move(changed), dir);
  retire_slurm_submissions(dir);
  return replaced;
}

std::vector<std::string> cancel_slurm_sweep(const fs::path& dir) {
  std::vector<std::string> jobs;
  for (const auto& submission : read_slurm_submissions(dir)) {
    for (const auto& line : queue_lines(submission.array_job)) {
      if (!slurm_state_is_final(line.state)) {
        jobs.push_back(submission.array_job);
        break;
      }
    }
  }
  if (jobs.empty()) return jobs;
  std::vector<std::string> argv = {"scancel"};
  argv.insert(argv.end(), jobs.begin(), jobs.end());
  const auto result = detail::run_slurm_command(argv);
  if (result.exit_code != 0) {
    throw Error(fmt::format("scancel {} failed (exit {}): {}", fmt::join(jobs, " "),
                            result.exit_code, result.err));
  }
  return jobs;
}

}  // namespace setfit
