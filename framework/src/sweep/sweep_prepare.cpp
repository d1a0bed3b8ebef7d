// Each run of a sweep read and validated once, in the orchestrator.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/sweep.hpp"

namespace fs = std::filesystem;

namespace setfit {

RunConfig validate_sweep_run(const ExpandedRun& run, std::size_t count, const fs::path& file,
                             const PluginRegistry& registry, const NamedInputs& inputs,
                             bool fetch_datasets) {
  std::vector<std::string> settings;
  for (const auto& a : run.assignments) {
    settings.push_back(a.where.empty() ? a.key + " = " + a.value
                                       : fmt::format("{} = {} at {}", a.key, a.value, a.where));
  }
  try {
    const ConfigSource source{file.string(), file.parent_path(), "grid value"};
    RunConfig config = read_run_config(run.config, source, inputs, fetch_datasets);
    config.args.validate();
    resolve_plugins(config, registry);
    return config;
  } catch (const Error& e) {
    throw Error(fmt::format(
        "{}: run {} of {} ({}): {}", file.string(), run.index + 1, count,
        settings.empty() ? "no grid values" : fmt::format("{}", fmt::join(settings, ", ")),
        e.what()));
  }
}

std::vector<PreparedRun> prepare_sweep(const ExpandedSweep& sweep, const fs::path& file,
                                       const PluginRegistry& registry, const NamedInputs& inputs,
                                       const std::atomic<bool>* stop) {
  // Every run is checked before any download starts, so a bad run fails at once.
  for (const auto& run : sweep.runs)
    validate_sweep_run(run, sweep.runs.size(), file, registry, inputs, /*fetch_datasets=*/false);
  InputFingerprints fingerprints;
  std::vector<PreparedRun> prepared;
  for (const auto& run : sweep.runs) {
    if (stop != nullptr && *stop) break;
    PreparedRun p;
    p.index = run.index;
    p.label = settings_label(run);
    p.group_label = settings_label(run, " ", "args.seed");
    p.config = validate_sweep_run(run, sweep.runs.size(), file, registry, inputs, true);
    const fs::path body = fs::absolute(inputs.model(p.config.body));
    const ResolvedPlugins plugins = resolve_plugins(p.config, registry);
    p.records = config_records(p.config, plugins);
    p.plugins = plugins_used(p.config, plugins);
    const RunKeys keys = run_keys(p.config, body, p.records, plugins, registry, fingerprints);
    p.key = keys.key;
    p.stage1_key = keys.stage1_key;
    // What the worker trains: the same tables with every input as an absolute path.
    p.worker_config = run.config;
    auto* data = p.worker_config["data"].as_table();
    data->erase("dataset");
    for (const auto& [key, path] :
         {std::pair{"train", p.config.train}, {"test", p.config.test}, {"eval", p.config.eval}}) {
      if (!path.empty()) data->insert_or_assign(key, fs::absolute(path).string());
    }
    p.worker_config["model"].as_table()->insert_or_assign("body", body.string());
    prepared.push_back(std::move(p));
  }
  return prepared;
}

}  // namespace setfit
