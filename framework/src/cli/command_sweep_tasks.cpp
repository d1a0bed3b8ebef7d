// `setfit sweep plan FILE --dir DIR` and `setfit sweep collect DIR --db runs.db`: a sweep
// planned into a manifest folder whose tasks run anywhere (`setfit sweep worker --manifest DIR
// --index N`), each into a store of its own, then merged.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "command.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/runtime.hpp"
#include "setfit/slurm.hpp"
#include "setfit/sweep_manifest.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {

SweepManifest plan_sweep_file(const GlobalOptions& global, const po::variables_map& vm,
                              const fs::path& file) {
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  const auto inputs = assets::asset_inputs(global.cache_dir);
  return plan_manifest(file, registry, *inputs, vm.count("no-share") == 0,
                       vm["max-runs"].as<Count>().value);
}

int run_sweep_plan(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit sweep plan FILE --dir DIR'");
  options.add_options()("help,h", "Show this help")                       //
      ("dir", po::value<std::string>(), "The manifest folder (created)")  //
      ("no-share", "One task per run, even where runs could share stage 1");
  add_max_runs_option(options);
  const auto vm = parse_verb_arguments("sweep plan", args, options, {"file"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep plan FILE --dir DIR [--no-share]\n\n"
                 "Plans the sweep as 'sweep run' does and writes DIR/manifest.json and a file\n"
                 "per task in DIR/tasks/ (a task: the runs that share stage 1). Run every\n"
                 "task anywhere with\n"
                 "  setfit sweep worker --manifest DIR --index N    (N from 0)\n"
                 "then merge what they published with 'setfit sweep collect DIR --db runs.db'.\n\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  if (!vm.count("file")) throw UsageError("setfit sweep plan needs a sweep FILE");
  if (!vm.count("dir")) throw UsageError("setfit sweep plan needs --dir DIR");
  const fs::path dir = vm["dir"].as<std::string>();
  const auto manifest = plan_sweep_file(global, vm, vm["file"].as<std::string>());
  write_manifest(manifest, dir);
  fmt::print("sweep '{}': {} runs in {} tasks, manifest {}\n", manifest.header.sweep_name,
             manifest.run_count(), manifest.tasks.size(), (dir / "manifest.json").string());
  fmt::print("{:>5}  {:>4}  {}\n", "task", "runs", "first run");
  for (std::size_t i = 0; i < manifest.tasks.size(); ++i) {
    const auto& task = manifest.tasks[i];
    fmt::print("{:>5}  {:>4}  {}\n", i, task.runs.size(), task.runs.front().label);
  }
  fmt::print("run each task: setfit sweep worker --manifest {} --index N  (N = 0 to {})\n",
             dir.string(), manifest.tasks.size() - 1);
  return kExitOk;
}

int run_sweep_task_worker(const GlobalOptions& global, const po::variables_map& vm) {
  // Its store is written on local disk ($TMPDIR unless --scratch), then published into DIR.
  if (!vm.count("index")) throw UsageError("sweep worker --manifest needs --index N");
  const fs::path dir = vm["manifest"].as<std::string>();
  const std::size_t index = vm["index"].as<Count>().value;
  std::vector<std::size_t> tasks = {index};
  if (vm.count("stride") || vm.count("task-list")) {
    // An array index of a strided Slurm submission: tasks[index], tasks[index + stride], ...
    if (!vm.count("stride") || !vm.count("task-list"))
      throw UsageError("sweep worker: --stride and --task-list go together");
    SlurmArrayPlan plan;
    plan.stride = vm["stride"].as<Count>().value;
    if (plan.stride == 0) throw UsageError("sweep worker: --stride must be at least 1");
    tasks = array_index_tasks(read_slurm_task_list(vm["task-list"].as<std::string>()), plan, index);
  }
  // Under Slurm a task gets the cores it asked for, unless --threads says otherwise.
  const SlurmTaskEnvironment slurm = slurm_task_environment();
  if (slurm.cpus > 0 && global.threads == 0) runtime::configure_threads(slurm.cpus);
  const char* tmpdir = std::getenv("TMPDIR");
  ManifestTaskOptions options;
  options.scratch = vm.count("scratch") ? fs::path(vm["scratch"].as<std::string>())
                    : tmpdir != nullptr ? fs::path(tmpdir)
                                        : fs::temp_directory_path();
  options.worker.worker_command = worker_command(global);
  options.worker.threads = runtime::threads();
  options.scheduler_job = slurm.job;
  // A scheduler's cancel sends SIGTERM: the worker is stopped, its runs KILLED, the store
  // published all the same.
  const std::atomic<bool>& stop = stop_on_signals();
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  bool all_finished = true;
  for (auto task : tasks) {
    if (stop) break;
    all_finished = run_manifest_task(dir, task, registry, options, stop) && all_finished;
  }
  if (stop) return 143;  // as a process ended by SIGTERM
  return all_finished ? kExitOk : kExitFailure;
}

}  // namespace setfit::cli
