// Submitting a manifest's tasks to Slurm (sbatch --parsable) and the record of what was
// submitted (DIR/slurm/submissions.json).

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "../../core/atomic_file.hpp"
#include "../../core/json_file.hpp"
#include "setfit/errors.hpp"
#include "setfit/slurm.hpp"
#include "setfit/sweep_manifest.hpp"
#include "slurm_command.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

fs::path submissions_file(const fs::path& dir) {
  return dir / "slurm" / "submissions.json";
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// sbatch --parsable prints "JOBID" or "JOBID;CLUSTER".
std::string submit_script(const fs::path& script, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(script.string());
  const auto result = detail::run_slurm_command(argv);
  std::string out = result.out.substr(0, result.out.find_first_of(";\n"));
  if (result.exit_code != 0 || out.empty() ||
      out.find_first_not_of("0123456789") != std::string::npos) {
    std::string said = result.err.empty() ? result.out : result.err;
    while (!said.empty() && said.back() == '\n') said.pop_back();
    throw Error(fmt::format("sbatch refused {} (exit {}): {}", script.string(), result.exit_code,
                            said.empty() ? "it printed nothing" : said));
  }
  return out;
}

void write_submissions(const fs::path& dir, const std::vector<SlurmSubmission>& all) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : all) {
    list.push_back({{"number", s.number},
                    {"array_job", s.array_job},
                    {"collect_job", s.collect_job},
                    {"tasks", s.tasks},
                    {"array", s.plan.array},
                    {"stride", s.plan.stride},
                    {"indices", s.plan.indices},
                    {"submitted_at", s.submitted_at}});
  }
  detail::write_json_file(submissions_file(dir), {{"submissions", list}});
}

}  // namespace

std::size_t slurm_max_array_size() {
  const auto result = detail::run_slurm_command({"scontrol", "show", "config"});
  if (result.exit_code != 0) {
    throw Error(
        fmt::format("scontrol show config failed (exit {}): {}", result.exit_code, result.err));
  }
  static const std::regex line(R"(MaxArraySize\s*=\s*(\d+))");
  std::smatch match;
  if (std::regex_search(result.out, match, line)) return std::stoul(match[1].str());
  return 1001;
}

std::vector<std::size_t> read_slurm_task_list(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(fmt::format("{}: cannot read the task list", file.string()));
  std::vector<std::size_t> tasks;
  std::size_t line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty() || line.find_first_not_of("0123456789") != std::string::npos ||
        line.size() > 12) {
      throw Error(fmt::format("{}:{}: expected a task number, found '{}'", file.string(),
                              line_number, line));
    }
    tasks.push_back(std::stoul(line));
  }
  return tasks;
}

std::vector<SlurmSubmission> read_slurm_submissions(const fs::path& dir) {
  const fs::path file = submissions_file(dir);
  if (!fs::exists(file)) return {};
  const auto json = detail::read_json_file(file);
  std::vector<SlurmSubmission> all;
  try {
    for (const auto& s : json.at("submissions")) {
      SlurmSubmission sub;
      sub.number = s.at("number").get<std::size_t>();
      sub.array_job = s.at("array_job").get<std::string>();
      sub.collect_job = s.at("collect_job").get<std::string>();
      sub.tasks = s.at("tasks").get<std::vector<std::size_t>>();
      sub.plan.array = s.at("array").get<std::string>();
      sub.plan.stride = s.at("stride").get<std::size_t>();
      sub.plan.indices = s.at("indices").get<std::size_t>();
      sub.submitted_at = s.at("submitted_at").get<std::string>();
      all.push_back(std::move(sub));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not a record of Slurm submissions: {}", file.string(), e.what()));
  }
  return all;
}

void retire_slurm_submissions(const fs::path& dir) {
  const fs::path file = submissions_file(dir);
  if (!fs::exists(file)) return;
  for (int n = 1;; ++n) {
    const fs::path aside = dir / "slurm" / fmt::format("submissions-{}.json", n);
    if (!fs::exists(aside)) {
      fs::rename(file, aside);
      return;
    }
  }
}

SlurmTaskEnvironment slurm_task_environment() {
  SlurmTaskEnvironment env;
  const char* array_job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* array_task = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* job = std::getenv("SLURM_JOB_ID");
  // The array task's own id, by which squeue and its log file name it.
  if (array_job != nullptr && array_task != nullptr)
    env.job = fmt::format("slurm {}_{}", array_job, array_task);
  else if (job != nullptr)
    env.job = fmt::format("slurm {}", job);
  if (const char* cpus = std::getenv("SLURM_CPUS_PER_TASK"); cpus != nullptr)
    env.cpus = std::max(0, std::atoi(cpus));
  return env;
}

SlurmSubmission submit_to_slurm(const fs::path& dir, const std::vector<std::size_t>& tasks,
                                const SlurmOptions& options) {
  const ManifestHeader manifest = read_manifest(dir);
  for (auto task : tasks) {
    if (task >= manifest.tasks) {
      throw UsageError(fmt::format("{}: no task {}; the manifest has tasks 0 to {}", dir.string(),
                                   task, manifest.tasks - 1));
    }
  }
  auto all = read_slurm_submissions(dir);
  SlurmSubmission submission;
  submission.number = all.empty() ? 1 : all.back().number + 1;
  submission.tasks = tasks;
  submission.plan = plan_slurm_array(
      tasks, options.max_array_size > 0 ? options.max_array_size : slurm_max_array_size(),
      options.max_parallel);
  // Slurm opens the log files before a task starts: a missing folder fails the task with no
  // output anywhere, so every folder exists before sbatch.
  std::error_code ec;
  for (const char* folder : {"logs", "slurm"}) {
    fs::create_directories(dir / folder, ec);
    if (ec) {
      throw Error(fmt::format("{}: cannot create {}/: {}", dir.string(), folder, ec.message()));
    }
  }
  const fs::path slurm = dir / "slurm";
  const fs::path task_list = slurm / fmt::format("submission-{}.tasks", submission.number);
  std::string list;
  for (auto t : tasks) list += fmt::format("{}\n", t);
  detail::write_file_atomically(task_list, list);
  const auto scripts = slurm_scripts(dir, manifest.sweep_name, submission.plan, task_list, options);
  const fs::path array_script = slurm / fmt::format("submission-{}-array.sh", submission.number);
  const fs::path collect_script =
      slurm / fmt::format("submission-{}-collect.sh", submission.number);
  detail::write_file_atomically(array_script, scripts.array);
  detail::write_file_atomically(collect_script, scripts.collect);
  submission.submitted_at = utc_now();
  try {
    submission.array_job = submit_script(array_script, {});
  } catch (const Error& e) {
    throw Error(fmt::format(
        "{}\nnothing was submitted; once the options are right, submit the planned tasks with: "
        "setfit sweep submit --resume {} [Slurm options]",
        e.what(), dir.string()));
  }
  // Recorded at once: the array runs whatever happens to the collect job.
  all.push_back(submission);
  write_submissions(dir, all);
  try {
    submission.collect_job = submit_script(
        collect_script,
        {"--dependency=afterany:" + submission.array_job, "--kill-on-invalid-dep=yes"});
  } catch (const Error& e) {
    throw Error(fmt::format(
        "{}\nthe job array {} was submitted and runs; collect by hand once it ends: setfit "
        "sweep collect {} --db {}",
        e.what(), submission.array_job, dir.string(), options.db.string()));
  }
  all.back() = submission;
  write_submissions(dir, all);
  return submission;
}

}  // namespace setfit
