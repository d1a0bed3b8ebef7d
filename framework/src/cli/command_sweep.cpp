// `setfit sweep expand FILE [--format table|json]`: the resolved runs of a sweep and their
// count, validated (config tables, plugin names, head parameters), with no side effect.
// (`sweep run` and `sweep status` come with the executor; see docs/sweep-format.md.)

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
#include "train_config.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

// Everything a run would refuse before training: its config tables and the plugins and
// parameters it names. Errors say which run and what the grid set in it.
void validate_run(const detail::ExpandedRun& run, std::size_t count, const fs::path& file,
                  const GlobalOptions& global, const PluginRegistry& registry) {
  std::vector<std::string> settings;
  for (const auto& a : run.assignments) settings.push_back(a.key + " = " + a.value);
  try {
    detail::PlacedValueLabel label("grid value");
    const TrainConfig config = read_train_config(run.config, file.string(), file.parent_path(),
                                                 global, /*fetch_datasets=*/false);
    config.args.validate();
    const auto& head = registry.find(PluginKind::Head, config.model.head);
    Params::resolve(head.info.params, config.model.head_params,
                    fmt::format("head '{}'", config.model.head));
    if (config.args.num_epochs.embedding > 0) {
      registry.find(PluginKind::Loss, config.args.loss);
      registry.find(PluginKind::Sampler, config.args.sampling_strategy);
    }
  } catch (const Error& e) {
    throw Error(fmt::format(
        "{}: run {} of {} ({}): {}", file.string(), run.index + 1, count,
        settings.empty() ? "no grid values" : fmt::format("{}", fmt::join(settings, ", ")),
        e.what()));
  }
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
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  parse_verb_options("sweep expand", args, all, positional, vm);
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
  for (const auto& run : sweep.runs) validate_run(run, sweep.runs.size(), file, global, registry);

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
  for (const auto& run : sweep.runs) {
    std::vector<std::string> settings;
    for (const auto& a : run.assignments) settings.push_back(a.key + "=" + a.value);
    fmt::print(
        "{:>5}  {}\n", run.index + 1,
        settings.empty() ? "(the fixed config)" : fmt::format("{}", fmt::join(settings, "  ")));
  }
  return kExitOk;
}

}  // namespace

int run_sweep(const GlobalOptions& global, const std::vector<std::string>& args) {
  const std::string usage =
      "Usage: setfit sweep expand FILE [--format table|json]\n"
      "(sweep run and sweep status are not built yet; see docs/sweep-format.md)";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage << "\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "expand") return expand(global, {args.begin() + 1, args.end()});
  throw UsageError(fmt::format("setfit sweep: unknown subcommand '{}'\n{}", args[0], usage));
}

}  // namespace setfit::cli
