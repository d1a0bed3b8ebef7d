// `setfit sweep expand|run|status`: the resolved runs of a sweep (validated, no side
// effect), running them into a run store (resumable), and the store's counts by state.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "command.hpp"
#include "progress.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/results.hpp"
#include "setfit/run_config.hpp"
#include "setfit/run_store.hpp"
#include "setfit/runtime.hpp"
#include "setfit/sweep.hpp"
#include "setfit/sweep_manifest.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

std::atomic<bool> interrupted{false};

void on_interrupt(int) {
  interrupted = true;
}

// Counts by state and the best configurations (mean +- std over seeds); the exit code: 0 when
// every run finished, 1 otherwise, 130 when interrupted.
int print_sweep_report(const fs::path& db, const SweepReport& report, bool was_interrupted) {
  if (report.distinct_runs > 0) {
    const SweepHeader& header = report.header;
    std::vector<std::string> counts;
    for (const auto& [status, count] : report.counts)
      counts.push_back(fmt::format("{} {}", count, to_string(status)));
    fmt::print("sweep '{}' in {}: {}\n", header.name, db.string(), fmt::join(counts, ", "));
    if (!report.best.empty()) {
      fmt::print("best by {} ({}), mean +- std over seeds:\n", header.metric, header.direction);
      for (std::size_t i = 0; i < std::min<std::size_t>(5, report.best.size()); ++i) {
        const auto& b = report.best[i];
        fmt::print("  {:.4f} +- {:.4f} (n={})  {}\n", b.mean, b.std, b.runs, b.label);
      }
    }
  }
  if (was_interrupted) {
    fmt::print("interrupted: running runs were marked KILLED; run the same command to resume\n");
    return 130;
  }
  const auto count = [&](RunStatus status) {
    const auto it = report.counts.find(status);
    return it == report.counts.end() ? std::size_t{0} : it->second;
  };
  // Runs another `sweep run` process on this store still works on are not failures of this
  // one: its share is done.
  const std::size_t elsewhere = count(RunStatus::Running);
  if (elsewhere > 0) {
    fmt::print(
        "{} run{} still RUNNING in another process; 'setfit sweep status {} --watch' "
        "follows them\n",
        elsewhere, elsewhere == 1 ? " is" : "s are", db.string());
  }
  return count(RunStatus::Finished) + elsewhere == report.distinct_runs ? kExitOk : kExitFailure;
}

nlohmann::json json_of(const toml::table& table) {
  std::ostringstream out;
  out << toml::json_formatter{table};
  return nlohmann::json::parse(out.str());
}

int expand(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit sweep expand FILE'");
  options.add_options()("help,h", "Show this help")  //
      ("format", po::value<std::string>()->default_value("table"), "table or json");
  add_max_runs_option(options);
  const auto vm = parse_verb_arguments("sweep expand", args, options, {"file"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep expand FILE [--format table|json]\n\n"
                 "Prints the runs a sweep file resolves to and their count, after checking\n"
                 "every run's config, plugins and parameters. Runs nothing, writes nothing.\n"
                 "The format: docs/sweep-format.md.\n\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  if (!vm.count("file")) throw UsageError("setfit sweep expand needs a sweep FILE");
  const std::string format = vm["format"].as<std::string>();
  if (format != "table" && format != "json")
    throw UsageError(fmt::format("--format must be table or json, got '{}'", format));
  const fs::path file = vm["file"].as<std::string>();
  const auto sweep =
      expand_sweep(parse_toml_file(file), file.string(), vm["max-runs"].as<Count>().value);
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  const auto inputs = assets::asset_inputs(global.cache_dir);
  for (std::size_t i = 0; i < sweep.runs.size(); ++i)
    validate_sweep_run(sweep, i, file, registry, *inputs, /*fetch_datasets=*/false);

  const auto& h = sweep.header;
  if (format == "json") {
    nlohmann::json out = {{"sweep", h.name},
                          {"method", h.method},
                          {"metric", h.metric},
                          {"direction", h.direction},
                          {"count", sweep.runs.size()},
                          {"runs", nlohmann::json::array()}};
    for (const auto& run : sweep.runs) {
      nlohmann::json settings = nlohmann::json::object();
      for (const auto& a : run.assignments) settings[a.key] = a.value;
      out["runs"].push_back(
          {{"index", run.index}, {"grid", settings}, {"config", json_of(run.config)}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  fmt::print("sweep '{}': {} runs ({}{}), best by {} ({})\n", h.name, sweep.runs.size(), h.method,
             h.seeds.empty() ? "" : fmt::format(", seeds {}", fmt::join(h.seeds, " ")), h.metric,
             h.direction);
  for (const auto& run : sweep.runs)
    fmt::print("{:>5}  {}\n", run.index + 1, settings_label(run, "  "));
  return kExitOk;
}

int run(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit sweep run FILE --db runs.db'");
  options.add_options()("help,h", "Show this help")                                         //
      ("db", po::value<std::string>(), "The SQLite run store (created when absent)")        //
      ("jobs,j", po::value<int>()->default_value(0), "Worker processes (0: one per core)")  //
      ("fail-fast", "Stop at the first failed run (default: keep going)")                   //
      ("timeout-per-run", po::value<double>()->default_value(0),
       "Kill a run after S seconds (0: no limit)")                                    //
      ("allow-changed", "Continue a sweep whose spec changed since it was recorded")  //
      ("max-attempts", po::value<std::int64_t>()->default_value(3),
       "Retry a FAILED run until it has been started this many times")  //
      ("stale-after", po::value<double>()->default_value(300),
       "Retry a RUNNING run whose heartbeat is older than S seconds")             //
      ("no-share", "Train stage 1 in every run, even where runs could share it")  //
      ("fresh-workers",
       "Start a new worker process for every unit instead of reusing warm ones (which keep "
       "plugins and the last body loaded)");
  add_max_runs_option(options);
  const auto vm = parse_verb_arguments("sweep run", args, options, {"file"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep run FILE --db runs.db [--jobs N] [--fail-fast]\n"
                 "                        [--timeout-per-run S] [--allow-changed] [--no-share]\n"
                 "                        [--fresh-workers]\n\n"
                 "Runs every run of the sweep that has not finished, in worker processes, and\n"
                 "records each in the store. Running it again resumes. Ctrl-C stops cleanly.\n\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  if (!vm.count("file")) throw UsageError("setfit sweep run needs a sweep FILE");
  if (!vm.count("db")) throw UsageError("setfit sweep run needs --db runs.db");
  SweepRunOptions run_options;
  run_options.db = vm["db"].as<std::string>();
  run_options.allow_changed = vm.count("allow-changed") > 0;
  run_options.max_runs = vm["max-runs"].as<Count>().value;
  run_options.policy.max_attempts = vm["max-attempts"].as<std::int64_t>();
  run_options.policy.stale_after_s = vm["stale-after"].as<double>();
  run_options.policy.share = vm.count("no-share") == 0;
  LocalExecutorOptions local;
  local.jobs = vm["jobs"].as<int>();
  local.threads = global.threads;  // 0: cores / jobs
  local.reuse_workers = vm.count("fresh-workers") == 0;
  if (local.jobs < 0) throw UsageError("--jobs must not be negative");
  local.fail_fast = vm.count("fail-fast") > 0;
  local.timeout_per_run = vm["timeout-per-run"].as<double>();
  local.worker_command = worker_command(global);

  stop_on_signals();
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  const auto inputs = assets::asset_inputs(global.cache_dir);
  const auto executor = make_local_executor(local);
  ProgressReporter bar("sweep", "runs");
  const fs::path file = vm["file"].as<std::string>();
  const SweepReport report = run_sweep(
      file, run_options, registry, *inputs, *executor, interrupted,
      [&](const ExecutionProgress& p) {
        bar.update(
            p.finished + p.failed, p.total,
            fmt::format("{} finished, {} failed, {} running", p.finished, p.failed, p.running));
      });
  bar.finish();
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  return print_sweep_report(run_options.db, report, interrupted);
}

// The hidden worker verb the orchestrator starts: `sweep worker --db DB --serve` (units on
// stdin, answers on fd 3), or `sweep worker --db DB --run-ids 3,4,5` for one unit.
int worker(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options;
  options.add_options()("db", po::value<std::string>(), "")  //
      ("run-ids", po::value<std::string>(), "")              //
      ("serve", "")                                          //
      ("manifest", po::value<std::string>(), "")             //
      ("index", po::value<Count>(), "")                      //
      ("task-list", po::value<std::string>(), "")            //
      ("stride", po::value<Count>(), "")                     //
      ("scratch", po::value<std::string>(), "");
  po::variables_map vm;
  parse_verb_options("sweep worker", args, options, {}, vm);
  if (vm.count("manifest")) return run_sweep_task_worker(global, vm);
  if (!vm.count("db") || (!vm.count("run-ids") && !vm.count("serve")))
    throw UsageError("sweep worker needs --db and --serve or --run-ids, or --manifest and --index");
  std::vector<std::int64_t> ids;
  if (vm.count("run-ids")) {
    try {
      ids = parse_run_ids(vm["run-ids"].as<std::string>());
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("--run-ids: {}", e.what()));
    }
  }
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  log::info("sweep worker: {} LibTorch threads", runtime::threads());
  if (vm.count("serve"))
    return serve_sweep_worker(vm["db"].as<std::string>(), registry, STDIN_FILENO, 3);
  return run_sweep_worker(vm["db"].as<std::string>(), ids, registry) ? kExitOk : kExitFailure;
}

}  // namespace

std::vector<std::string> self_command(const GlobalOptions& global) {
  std::vector<std::string> command = {fs::read_symlink("/proc/self/exe").string()};
  for (const auto& dir : global.plugin_dirs) {
    command.push_back("--plugin-dir");
    command.push_back(fs::absolute(dir).string());
  }
  if (!global.cache_dir.empty()) {
    command.push_back("--cache-dir");
    command.push_back(fs::absolute(global.cache_dir).string());
  }
  return command;
}

// Workers are this binary: `setfit --threads N [global options] sweep worker` (the executor
// appends --db DB --run-ids ...).
std::function<std::vector<std::string>(int)> worker_command(const GlobalOptions& global) {
  return [global](int threads) {
    std::vector<std::string> command = self_command(global);
    command.insert(command.begin() + 1, {"--threads", std::to_string(threads)});
    command.push_back("sweep");
    command.push_back("worker");
    return command;
  };
}

// Ctrl-C and SIGTERM stop the sweep cleanly from here on: nothing new is launched, running
// workers are stopped and their runs marked KILLED.
const std::atomic<bool>& stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return interrupted;
}

void add_max_runs_option(po::options_description& options) {
  options.add_options()(
      "max-runs",
      po::value<Count>()->default_value(Count{kDefaultMaxRuns}, std::to_string(kDefaultMaxRuns)),
      "Refuse a sweep of more runs than this, before expanding it");
}

int run_sweep_verb(const GlobalOptions& global, const std::vector<std::string>& args) {
  const std::string usage =
      "Usage: setfit sweep expand FILE [--format table|json]\n"
      "       setfit sweep run FILE --db runs.db [--jobs N] [--fail-fast] [--timeout-per-run S]\n"
      "                            [--allow-changed] [--no-share] [--fresh-workers]\n"
      "       setfit sweep status runs.db [--sweep NAME] [--watch [--interval S]]\n"
      "       setfit sweep plan FILE --dir DIR [--no-share]      (tasks to run anywhere)\n"
      "       setfit sweep worker --manifest DIR --index N [--scratch DIR]\n"
      "       setfit sweep collect DIR --db runs.db\n"
      "       setfit sweep submit FILE --dir DIR [Slurm options] [--dry-run]   (Slurm)\n"
      "       setfit sweep submit --resume DIR [--allow-changed] [Slurm options]\n"
      "       setfit sweep status DIR\n"
      "       setfit sweep cancel DIR";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage << "\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "expand") return expand(global, rest);
  if (args[0] == "run") return run(global, rest);
  if (args[0] == "status") return run_sweep_status(rest);
  if (args[0] == "submit") return run_sweep_submit(global, rest);
  if (args[0] == "cancel") return run_sweep_cancel(rest);
  if (args[0] == "worker") return worker(global, rest);
  if (args[0] == "plan") return run_sweep_plan(global, rest);
  if (args[0] == "collect") return run_sweep_collect(rest);
  throw UsageError(fmt::format("setfit sweep: unknown subcommand '{}'\n{}", args[0], usage));
}

}  // namespace setfit::cli
