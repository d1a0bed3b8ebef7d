// `setfit sweep submit|status|cancel`: a planned sweep's tasks as a Slurm job array, with a
// collect job after it; resubmitting what is left; what Slurm and the published stores say.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/slurm.hpp"
#include "setfit/sweep_manifest.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

void add_slurm_options(po::options_description& options) {
  options.add_options()                                                                    //
      ("partition", po::value<std::string>(), "Slurm partition (default: the cluster's)")  //
      ("cpus-per-task", po::value<Count>()->default_value(Count{1}, "1"),
       "Cores per task; also its LibTorch thread count")                                    //
      ("mem", po::value<std::string>(), "Memory per task, as sbatch --mem takes it")        //
      ("time", po::value<std::string>(), "Time limit per task, as sbatch --time takes it")  //
      ("max-parallel", po::value<Count>()->default_value(Count{0}, "0"),
       "At most this many tasks at once (0: no cap)")  //
      ("sbatch-arg", po::value<std::vector<std::string>>()->composing(),
       "Another sbatch option for both jobs, e.g. --sbatch-arg=--account=ml (repeatable)")  //
      ("db", po::value<std::string>(),
       "The store the collect job merges into (default: DIR/runs.db)");
}

SlurmOptions slurm_options(const GlobalOptions& global, const po::variables_map& vm,
                           const fs::path& dir) {
  SlurmOptions options;
  if (vm.count("partition")) options.partition = vm["partition"].as<std::string>();
  if (vm.count("mem")) options.mem = vm["mem"].as<std::string>();
  if (vm.count("time")) options.time = vm["time"].as<std::string>();
  options.cpus_per_task = vm["cpus-per-task"].as<Count>().value;
  if (options.cpus_per_task == 0) throw UsageError("--cpus-per-task must be at least 1");
  options.max_parallel = vm["max-parallel"].as<Count>().value;
  if (vm.count("sbatch-arg")) options.sbatch_args = vm["sbatch-arg"].as<std::vector<std::string>>();
  options.setfit_command = self_command(global);
  options.db =
      fs::absolute(vm.count("db") ? fs::path(vm["db"].as<std::string>()) : dir / "runs.db");
  return options;
}

void print_submission(const SlurmSubmission& s, const fs::path& dir, const SlurmOptions& options) {
  fmt::print("submitted job array {} ({} task{}, --array={}) and collect job {} (after it)\n",
             s.array_job, s.tasks.size(), s.tasks.size() == 1 ? "" : "s", s.plan.array,
             s.collect_job);
  fmt::print("logs: {}/{}_N.out (N: the array index), collect: {}/collect-{}.out\n",
             (dir / "logs").string(), s.array_job, (dir / "logs").string(), s.collect_job);
  fmt::print("the collected store: {}\n", options.db.string());
  fmt::print("follow it: setfit sweep status {}\n", dir.string());
}

int dry_run(const SweepManifest& manifest, const fs::path& dir, const SlurmOptions& options) {
  std::size_t max_array = 1001;
  try {
    max_array = slurm_max_array_size();
  } catch (const Error& e) {
    log::warn("{}; planning with Slurm's default MaxArraySize, 1001", e.what());
  }
  const auto plan = plan_slurm_array(manifest.task_indices(), max_array, options.max_parallel);
  const auto scripts = slurm_scripts(dir, manifest.header.sweep_name, plan,
                                     dir / "slurm" / "submission-1.tasks", options);
  fmt::print("# the job array (DIR/slurm/submission-N-array.sh)\n{}\n", scripts.array);
  fmt::print("# the collect job, submitted with --dependency=afterany:ARRAY_JOB\n{}\n",
             scripts.collect);
  fmt::print("# {} runs in {} tasks{}\n", manifest.run_count(), manifest.tasks.size(),
             plan.stride > 0
                 ? fmt::format(" over {} array indices (MaxArraySize {})", plan.stride, max_array)
                 : "");
  fmt::print("{:>5}  {:>4}  {}\n", "task", "runs", "runs (grid values)");
  for (std::size_t i = 0; i < manifest.tasks.size(); ++i) {
    const auto& task = manifest.tasks[i];
    std::vector<std::string> labels;
    for (const auto& run : task.runs) labels.push_back(run.label);
    fmt::print("{:>5}  {:>4}  {}\n", i, task.runs.size(), fmt::join(labels, " | "));
  }
  fmt::print("(dry run: nothing written, nothing submitted)\n");
  return kExitOk;
}

}  // namespace

int run_sweep_submit(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options(
      "Options for 'setfit sweep submit FILE --dir DIR' and 'setfit sweep submit --resume DIR'");
  options.add_options()("help,h", "Show this help")  //
      ("dir", po::value<std::string>(),
       "The manifest folder (on a file system every node sees)")                            //
      ("resume", po::value<std::string>(), "Resubmit the unfinished tasks of this folder")  //
      ("allow-changed",
       "With --resume: plan the changed sweep file into DIR, keeping what finished")  //
      ("dry-run", "Print the batch scripts and the task table; submit nothing")       //
      ("no-share", "One task per run, even where runs could share stage 1");
  add_slurm_options(options);
  add_max_runs_option(options);
  const auto vm = parse_verb_arguments("sweep submit", args, options, {"file"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep submit FILE --dir DIR [Slurm options] [--dry-run]\n"
                 "       setfit sweep submit --resume DIR [--allow-changed] [Slurm options]\n\n"
                 "Plans the sweep as 'sweep run' does into DIR (see 'sweep plan'), then submits\n"
                 "one Slurm job array, a task per group of runs that share stage 1, and a\n"
                 "collect job after it that merges what the tasks published into --db. Each\n"
                 "task trains into a store on node-local disk ($TMPDIR) and publishes it into\n"
                 "DIR/shards/. --resume submits again the tasks whose runs are not all\n"
                 "FINISHED (failed, timed out, cancelled, or never published).\n\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  if (vm.count("resume")) {
    if (vm.count("file") || vm.count("dir"))
      throw UsageError("sweep submit --resume DIR takes no sweep FILE and no --dir");
    const fs::path dir = fs::absolute(vm["resume"].as<std::string>());
    const ManifestHeader header = read_manifest(dir);
    SlurmOptions slurm = slurm_options(global, vm, dir);
    slurm.max_array_size = slurm_max_array_size();  // Slurm reachable before anything changes
    // The sweep file planned again: a changed sweep (or changed data) is refused, since the
    // manifest's tasks would no longer be what the file says.
    if (!header.sweep_file.empty() && fs::exists(header.sweep_file)) {
      auto again = plan_sweep_file(global, vm, header.sweep_file);
      if (again.header.fingerprint != header.fingerprint) {
        if (!vm.count("allow-changed")) {
          throw UsageError(fmt::format(
              "{}: the sweep changed since {} was planned (its runs or their inputs differ); "
              "submit it to a new folder, or pass --allow-changed to plan the changed sweep "
              "into this one (runs already FINISHED are kept and not trained again)",
              header.sweep_file.string(), dir.string()));
        }
        const auto replaced = replan_submitted_sweep(dir, std::move(again));
        const std::size_t runs = replaced.run_count();
        fmt::print(
            "{} changed: planned again into {}, {} run{} to train in {} task{} (runs "
            "already FINISHED are kept)\n",
            header.sweep_file.string(), dir.string(), runs, runs == 1 ? "" : "s",
            replaced.tasks.size(), replaced.tasks.size() == 1 ? "" : "s");
      }
    } else if (!header.sweep_file.empty()) {
      log::warn("{} is gone; resuming the runs planned in {}", header.sweep_file.string(),
                dir.string());
    }
    std::vector<std::size_t> active;
    const auto todo = slurm_tasks_to_resubmit(dir, &active);
    if (!active.empty()) {
      fmt::print("left alone, still pending or running in Slurm: tasks {}\n",
                 fmt::join(active, ", "));
    }
    if (todo.empty()) {
      fmt::print("nothing to resubmit: every task of {} finished or is still in Slurm\n",
                 dir.string());
      return kExitOk;
    }
    fmt::print("resubmitting {} task{}: {}\n", todo.size(), todo.size() == 1 ? "" : "s",
               fmt::join(todo, ", "));
    print_submission(submit_to_slurm(dir, todo, slurm), dir, slurm);
    return kExitOk;
  }
  if (!vm.count("file"))
    throw UsageError("setfit sweep submit needs a sweep FILE (or --resume DIR)");
  if (!vm.count("dir")) throw UsageError("setfit sweep submit needs --dir DIR");
  const fs::path dir = fs::absolute(vm["dir"].as<std::string>());
  SlurmOptions slurm = slurm_options(global, vm, dir);
  if (!vm.count("dry-run") && fs::exists(dir / "manifest.json")) {
    throw UsageError(fmt::format(
        "{} already holds a planned sweep: resume it with 'setfit sweep submit --resume {}', "
        "or choose another --dir",
        dir.string(), dir.string()));
  }
  // Slurm reachable before anything is planned or written.
  if (!vm.count("dry-run")) slurm.max_array_size = slurm_max_array_size();
  const auto manifest = plan_sweep_file(global, vm, vm["file"].as<std::string>());
  if (vm.count("dry-run")) return dry_run(manifest, dir, slurm);
  write_manifest(manifest, dir);
  fmt::print("sweep '{}': {} runs in {} tasks, manifest {}\n", manifest.header.sweep_name,
             manifest.run_count(), manifest.tasks.size(), (dir / "manifest.json").string());
  print_submission(submit_to_slurm(dir, manifest.task_indices(), slurm), dir, slurm);
  return kExitOk;
}

int run_sweep_cancel(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit sweep cancel DIR'");
  options.add_options()("help,h", "Show this help");
  const auto vm = parse_verb_arguments("sweep cancel", args, options, {"dir"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep cancel DIR\n\n"
                 "Cancels the sweep's array tasks still pending or running (scancel). Running\n"
                 "tasks mark their runs KILLED and publish their stores; the collect job merges\n"
                 "them. 'setfit sweep submit --resume DIR' later finishes the sweep.\n\n"
              << options;
    return kExitOk;
  }
  if (!vm.count("dir")) throw UsageError("setfit sweep cancel needs the manifest folder DIR");
  const fs::path dir = vm["dir"].as<std::string>();
  read_manifest(dir);
  if (read_slurm_submissions(dir).empty())
    throw UsageError(fmt::format("{}: nothing was submitted to Slurm from here", dir.string()));
  const auto jobs = cancel_slurm_sweep(dir);
  if (jobs.empty()) {
    fmt::print("nothing to cancel: no task of {} is pending or running\n", dir.string());
  } else {
    fmt::print("cancelled job array{} {}; resume with: setfit sweep submit --resume {}\n",
               jobs.size() == 1 ? "" : "s", fmt::join(jobs, ", "), dir.string());
  }
  return kExitOk;
}

}  // namespace setfit::cli
