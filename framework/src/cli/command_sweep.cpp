// `setfit sweep expand|run|status`: the resolved runs of a sweep (validated, no side
// effect), running them into a run store (resumable), and the store's counts by state.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../core/json_file.hpp"
#include "../sweep/sweep_spec.hpp"
#include "../train/training_args_toml.hpp"
#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "sweep_executor.hpp"
#include "train_config.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

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
  const auto doc = parse_toml(detail::read_text_file(file), file.string());
  const auto sweep = detail::expand_sweep(doc, file.string());
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  for (const auto& run : sweep.runs)
    validate_sweep_run(run, sweep.runs.size(), file, global, registry, /*fetch_datasets=*/false);

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
    fmt::print("{:>5}  {}\n", run.index + 1, detail::settings_label(run, "  "));
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
  run_options.jobs = vm["jobs"].as<int>();
  if (run_options.jobs < 0) throw UsageError("--jobs must not be negative");
  run_options.fail_fast = vm.count("fail-fast") > 0;
  run_options.timeout_per_run = vm["timeout-per-run"].as<double>();
  run_options.allow_changed = vm.count("allow-changed") > 0;
  run_options.max_attempts = vm["max-attempts"].as<std::int64_t>();
  run_options.stale_after_s = vm["stale-after"].as<double>();
  run_options.share = vm.count("no-share") == 0;
  return run_sweep_file(vm["file"].as<std::string>(), run_options, global);
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
  return run_sweep_worker(vm["db"].as<std::string>(), ids, global);
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

int run_sweep(const GlobalOptions& global, const std::vector<std::string>& args) {
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
