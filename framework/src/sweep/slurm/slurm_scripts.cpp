// What a submission asks Slurm for: the --array value (task numbers, or a stride of them when
// they exceed MaxArraySize) and the two batch scripts.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "setfit/errors.hpp"
#include "setfit/slurm.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

// "0-5,7,9-11": runs of consecutive numbers as ranges (the list sorted, no duplicates).
std::string compress(std::vector<std::size_t> numbers) {
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::string out;
  for (std::size_t i = 0; i < numbers.size();) {
    std::size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", numbers[i]) : fmt::format("{}-{}", numbers[i], numbers[j]);
    i = j + 1;
  }
  return out;
}

// One word for bash, whatever it holds.
std::string shell_quote(const std::string& word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("/._-=+:,@%").find(c) != std::string_view::npos;
  });
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A job name without spaces or quotes (#SBATCH lines are not parsed by a shell).
std::string job_name(const std::string& name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  return out;
}

std::string command_line(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += shell_quote(w);
  }
  return out;
}

// #SBATCH lines every job of the submission shares. A value with a newline would end the
// directive early: refused.
std::string shared_directives(const SlurmOptions& options) {
  std::string out;
  const auto line = [&](const std::string& option) {
    if (option.find('\n') != std::string::npos)
      throw UsageError(fmt::format("sbatch option '{}' holds a line break", option));
    out += fmt::format("#SBATCH {}\n", option);
  };
  if (!options.partition.empty()) line(fmt::format("--partition={}", options.partition));
  if (!options.mem.empty()) line(fmt::format("--mem={}", options.mem));
  if (!options.time.empty()) line(fmt::format("--time={}", options.time));
  for (const auto& arg : options.sbatch_args) line(arg);
  return out;
}

}  // namespace

SlurmArrayPlan plan_slurm_array(const std::vector<std::size_t>& tasks, std::size_t max_array_size,
                                std::size_t max_parallel) {
  if (tasks.empty()) throw UsageError("no tasks to submit");
  if (max_array_size < 2) throw Error("Slurm's MaxArraySize is below 2: no job array fits");
  SlurmArrayPlan plan;
  const std::size_t largest = *std::max_element(tasks.begin(), tasks.end());
  if (largest < max_array_size) {
    plan.array = compress(tasks);
    plan.indices = tasks.size();
  } else {
    // Indices 0 .. stride-1; index i runs tasks[i], tasks[i + stride], ...
    plan.stride = std::min(tasks.size(), max_array_size - 1);
    plan.indices = plan.stride;
    plan.array = fmt::format("0-{}", plan.stride - 1);
  }
  if (max_parallel > 0) plan.array += fmt::format("%{}", max_parallel);
  return plan;
}

std::vector<std::size_t> array_index_tasks(const std::vector<std::size_t>& tasks,
                                           const SlurmArrayPlan& plan, std::size_t index) {
  if (plan.stride == 0) {
    if (std::find(tasks.begin(), tasks.end(), index) == tasks.end()) return {};
    return {index};
  }
  std::vector<std::size_t> out;
  for (std::size_t i = index; i < tasks.size(); i += plan.stride) out.push_back(tasks[i]);
  return out;
}

SlurmScripts slurm_scripts(const fs::path& dir, const std::string& sweep_name,
                           const SlurmArrayPlan& plan, const fs::path& task_list,
                           const SlurmOptions& options) {
  if (options.setfit_command.empty()) throw Error("a Slurm submission needs the setfit command");
  const fs::path logs = dir / "logs";
  const std::string shared = shared_directives(options);
  SlurmScripts scripts;
  std::vector<std::string> worker = options.setfit_command;
  for (const char* word : {"sweep", "worker", "--manifest"}) worker.emplace_back(word);
  worker.push_back(dir.string());
  if (plan.stride > 0) {
    for (const auto& word : {std::string("--task-list"), task_list.string(),
                             std::string("--stride"), std::to_string(plan.stride)})
      worker.push_back(word);
  }
  scripts.array = fmt::format(
      "#!/bin/bash\n"
      "#SBATCH --job-name={}\n"
      "#SBATCH --array={}\n"
      "#SBATCH --output={}\n"
      "#SBATCH --cpus-per-task={}\n"
      "{}"
      "# Written by `setfit sweep submit`: each array task trains {} of the sweep's manifest\n"
      "# into a store on node-local disk and publishes it into {}.\n"
      "exec {} --index \"$SLURM_ARRAY_TASK_ID\"\n",
      job_name(fmt::format("setfit-{}", sweep_name)), plan.array, (logs / "%A_%a.out").string(),
      options.cpus_per_task, shared,
      plan.stride > 0 ? "a stride of tasks" : "the task with its index", (dir / "shards").string(),
      command_line(worker));
  std::vector<std::string> collect = options.setfit_command;
  for (const char* word : {"sweep", "collect"}) collect.emplace_back(word);
  collect.push_back(dir.string());
  collect.emplace_back("--db");
  collect.push_back(options.db.string());
  scripts.collect = fmt::format(
      "#!/bin/bash\n"
      "#SBATCH --job-name={}\n"
      "#SBATCH --output={}\n"
      "#SBATCH --cpus-per-task=1\n"
      "{}"
      "# Written by `setfit sweep submit`: merges the stores the array's tasks published, once\n"
      "# every task has ended (exit 1 while tasks are left to do).\n"
      "exec {}\n",
      job_name(fmt::format("setfit-{}-collect", sweep_name)), (logs / "collect-%j.out").string(),
      shared, command_line(collect));
  return scripts;
}

}  // namespace setfit
