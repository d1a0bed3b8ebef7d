// `setfit sweep expand|run|status`: the resolved runs of a sweep (validated, no side
// effect), running them into a run store (resumable), and the store's counts by state.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.hpp"
#include "progress.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/run_config.hpp"
#include "setfit/run_store.hpp"
#include "setfit/sweep.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

std::atomic<bool> interrupted{false};

void on_interrupt(int) {
  interrupted = true;
}

// Ctrl-C and SIGTERM stop the sweep cleanly from here on: nothing new is launched, running
// workers are stopped and their runs marked KILLED.
void stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
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
  const auto finished = report.counts.find(RunStatus::Finished);
  const std::size_t done = finished == report.counts.end() ? 0 : finished->second;
  return done == report.distinct_runs ? kExitOk : kExitFailure;
}

// `setfit sweep status`: runs by state, per sweep.
int print_sweep_status(const fs::path& db, const std::string& sweep_name) {
  if (!fs::exists(db)) throw Error(fmt::format("{}: no such run store", db.string()));
  auto store = RunStore::open(db, /*migrate=*/false);
  std::vector<std::pair<std::string, std::int64_t>> sweeps = store->sweeps();
  if (!sweep_name.empty()) {
    const auto id = store->find_sweep(sweep_name);
    if (!id) throw Error(fmt::format("{}: no sweep named '{}'", db.string(), sweep_name));
    sweeps = {{sweep_name, *id}};
  }
  for (const auto& [name, id] : sweeps) {
    std::map<std::string, std::size_t> counts;
    const auto runs = store->runs(id);
    for (const auto& run : runs) ++counts[std::string(to_string(run.status))];
    std::vector<std::string> parts;
    for (const auto& [status, count] : counts) parts.push_back(fmt::format("{} {}", count, status));
    fmt::print("{}: {} runs: {}\n", name, runs.size(), fmt::join(parts, ", "));
  }
  return kExitOk;
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
  const auto sweep = expand_sweep(parse_toml_file(file), file.string());
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  const auto inputs = assets::asset_inputs(global.cache_dir);
  for (const auto& run : sweep.runs)
    validate_sweep_run(run, sweep.runs.size(), file, registry, *inputs, /*fetch_datasets=*/false);

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
       "Retry a RUNNING run whose heartbeat is older than S seconds")  //
      ("no-share", "Train stage 1 in every run, even where runs could share it");
  const auto vm = parse_verb_arguments("sweep run", args, options, {"file"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep run FILE --db runs.db [--jobs N] [--fail-fast]\n"
                 "                        [--timeout-per-run S] [--allow-changed]\n\n"
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
  run_options.policy.max_attempts = vm["max-attempts"].as<std::int64_t>();
  run_options.policy.stale_after_s = vm["stale-after"].as<double>();
  run_options.policy.share = vm.count("no-share") == 0;
  LocalExecutorOptions local;
  local.jobs = vm["jobs"].as<int>();
  if (local.jobs < 0) throw UsageError("--jobs must not be negative");
  local.fail_fast = vm.count("fail-fast") > 0;
  local.timeout_per_run = vm["timeout-per-run"].as<double>();
  // Workers are this binary: `setfit [global options] sweep worker --db DB --run-ids ...`.
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  local.worker_command = [self, global](int threads) {
    std::vector<std::string> command = {self, "--threads", std::to_string(threads)};
    for (const auto& dir : global.plugin_dirs) {
      command.push_back("--plugin-dir");
      command.push_back(dir.string());
    }
    if (!global.cache_dir.empty()) {
      command.push_back("--cache-dir");
      command.push_back(global.cache_dir.string());
    }
    command.push_back("sweep");
    command.push_back("worker");
    return command;
  };

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

// The hidden worker verb the orchestrator starts: `sweep worker --db DB --run-ids 3,4,5`.
int worker(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options;
  options.add_options()("db", po::value<std::string>()->required(), "")  //
      ("run-ids", po::value<std::string>()->required(), "");
  po::variables_map vm;
  parse_verb_options("sweep worker", args, options, {}, vm);
  std::vector<std::int64_t> ids;
  std::stringstream list(vm["run-ids"].as<std::string>());
  for (std::string id; std::getline(list, id, ',');) {
    try {
      ids.push_back(std::stoll(id));
    } catch (const std::exception&) {
      throw UsageError(fmt::format("--run-ids: '{}' is not a run id", id));
    }
  }
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  return run_sweep_worker(vm["db"].as<std::string>(), ids, registry) ? kExitOk : kExitFailure;
}

int status(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit sweep status runs.db'");
  options.add_options()("help,h", "Show this help")  //
      ("sweep", po::value<std::string>()->default_value(""), "Only this sweep");
  const auto vm = parse_verb_arguments("sweep status", args, options, {"db"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep status runs.db [--sweep NAME]\n\n" << options;
    return kExitOk;
  }
  if (!vm.count("db")) throw UsageError("setfit sweep status needs the run store file");
  return print_sweep_status(vm["db"].as<std::string>(), vm["sweep"].as<std::string>());
}

}  // namespace

int run_sweep_verb(const GlobalOptions& global, const std::vector<std::string>& args) {
  const std::string usage =
      "Usage: setfit sweep expand FILE [--format table|json]\n"
      "       setfit sweep run FILE --db runs.db [--jobs N] [--fail-fast] [--timeout-per-run S]\n"
      "                            [--allow-changed] [--no-share]\n"
      "       setfit sweep status runs.db [--sweep NAME]";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage << "\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "expand") return expand(global, rest);
  if (args[0] == "run") return run(global, rest);
  if (args[0] == "status") return status(rest);
  if (args[0] == "worker") return worker(global, rest);
  throw UsageError(fmt::format("setfit sweep: unknown subcommand '{}'\n{}", args[0], usage));
}

}  // namespace setfit::cli
