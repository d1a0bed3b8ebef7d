// Each run of a sweep read and validated once, in the orchestrator.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <type_traits>

#include "../core/nearest_name.hpp"
#include "../train/output_dir.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/run_config.hpp"
#include "setfit/sentence_encoder.hpp"
#include "setfit/sweep.hpp"

namespace fs = std::filesystem;

namespace setfit {

namespace {

struct CheckedRun {
  RunConfig config;
  ResolvedPlugins plugins;
};

// The sweep ranks its runs by `metric`: every run must compute it, or the ranking is empty.
void check_sweep_metric(const std::string& metric, const RunConfig& config) {
  const auto& computed = config.eval_options.metrics;
  if (std::find(computed.begin(), computed.end(), metric) != computed.end()) return;
  throw Error(
      fmt::format("[sweep] metric '{}' is not one the run computes ([eval] metrics: "
                  "{}){}; name one of them, or add it to [eval] metrics",
                  metric, fmt::join(computed, ", "), detail::did_you_mean(metric, computed)));
}

// A max_length past a local body's position table fails every worker; say so now. (A named
// body not fetched yet is checked by its trainer, before stage 1.)
void check_max_length(const RunConfig& config) {
  if (!config.args.max_length) return;
  std::error_code ec;
  if (!fs::is_directory(config.body, ec)) return;
  try {
    SentenceEncoder::check_max_length(config.body,
                                      static_cast<std::size_t>(*config.args.max_length));
  } catch (const Error& e) {
    throw Error(fmt::format("key 'max_length': {}", e.what()));
  }
}

// Whether two TOML values are equal (of one type and one value; tables and arrays deeply).
bool same_value(const toml::node& a, const toml::node& b) {
  return a.visit([&](const auto& x) {
    const auto* y = b.as<std::remove_cvref_t<decltype(x)>>();
    return y != nullptr && x == *y;
  });
}

// `config` with each value that equals the one at the same place of `file_tables` (a fresh
// parse of the sweep file) replaced by the file's own node, which knows its line and column:
// copied out of the file into a run's config, values forget where they were written.
void take_file_positions(toml::table& config, toml::table& file_tables) {
  std::vector<std::string> keys;
  for (const auto& [key, node] : config) keys.emplace_back(key.str());
  for (const auto& key : keys) {
    toml::node* mine = config.get(key);
    toml::node* in_file = file_tables.get(key);
    if (mine == nullptr || in_file == nullptr) continue;
    if (mine->is_table() && in_file->is_table()) {
      take_file_positions(*mine->as_table(), *in_file->as_table());
    } else if (same_value(*mine, *in_file)) {
      in_file->visit([&](auto& value) { config.insert_or_assign(key, std::move(value)); });
    }
  }
}

CheckedRun check_run_config(const toml::table& config, const fs::path& file,
                            const PluginRegistry& registry, const NamedInputs& inputs,
                            bool fetch_datasets, const std::string& metric) {
  const ConfigSource source{file.string(), file.parent_path(), "grid value"};
  CheckedRun checked{read_run_config(config, source, inputs, fetch_datasets), {}};
  checked.config.args.validate();
  check_sweep_metric(metric, checked.config);
  check_max_length(checked.config);
  detail::check_output_dir(checked.config.args);
  checked.plugins = resolve_plugins(checked.config, registry);
  return checked;
}

CheckedRun check_run(const ExpandedRun& run, std::size_t count, const fs::path& file,
                     const PluginRegistry& registry, const NamedInputs& inputs, bool fetch_datasets,
                     const std::string& metric) {
  std::vector<std::string> settings;
  for (const auto& a : run.assignments) {
    settings.push_back(a.where.empty() ? a.key + " = " + a.value
                                       : fmt::format("{} = {} at {}", a.key, a.value, a.where));
  }
  try {
    return check_run_config(run.config, file, registry, inputs, fetch_datasets, metric);
  } catch (const Error& e) {
    // Checked again with the file's own nodes where the values came from its fixed tables,
    // so that the message gives their line and column (only on this error path: a fresh
    // parse per failing run).
    std::string message = e.what();
    try {
      toml::table positioned = run.config;
      toml::table file_tables = parse_toml_file(file);
      take_file_positions(positioned, file_tables);
      check_run_config(positioned, file, registry, inputs, fetch_datasets, metric);
    } catch (const Error& again) {
      message = again.what();
    }
    throw Error(fmt::format(
        "{}: run {} of {} ({}): {}", file.string(), run.index + 1, count,
        settings.empty() ? "no grid values" : fmt::format("{}", fmt::join(settings, ", ")),
        message));
  }
}

// Replaces `planned` (where a data set was to be) by `fetched` (where it is) in a path.
void relocate(fs::path& path, const fs::path& planned, const fs::path& fetched) {
  if (!path.empty() && path.parent_path() == planned) path = fetched / path.filename();
}

}  // namespace

RunConfig validate_sweep_run(const ExpandedSweep& sweep, std::size_t index, const fs::path& file,
                             const PluginRegistry& registry, const NamedInputs& inputs,
                             bool fetch_datasets) {
  return check_run(sweep.runs.at(index), sweep.runs.size(), file, registry, inputs, fetch_datasets,
                   sweep.header.metric)
      .config;
}

std::vector<PreparedRun> prepare_sweep(const ExpandedSweep& sweep, const fs::path& file,
                                       const PluginRegistry& registry, const NamedInputs& inputs,
                                       const std::atomic<bool>* stop) {
  // Every run is read and checked once, before any download starts, so a bad run fails at
  // once; named data sets are fetched afterwards, once each.
  std::vector<CheckedRun> checked;
  for (const auto& run : sweep.runs)
    checked.push_back(
        check_run(run, sweep.runs.size(), file, registry, inputs, false, sweep.header.metric));
  std::map<std::string, fs::path> fetched;
  InputFingerprints fingerprints;
  std::vector<PreparedRun> prepared;
  for (std::size_t i = 0; i < sweep.runs.size(); ++i) {
    if (stop != nullptr && *stop) break;
    const ExpandedRun& run = sweep.runs[i];
    PreparedRun p;
    p.index = run.index;
    p.label = settings_label(run);
    p.group_label = settings_label(run, " ", "args.seed");
    p.config = std::move(checked[i].config);
    const ResolvedPlugins& plugins = checked[i].plugins;
    if (!p.config.dataset.empty()) {
      auto [it, added] = fetched.emplace(p.config.dataset, fs::path());
      if (added) it->second = inputs.dataset(p.config.dataset, /*fetch=*/true);
      const fs::path planned = inputs.dataset(p.config.dataset, false);
      relocate(p.config.train, planned, it->second);
      relocate(p.config.test, planned, it->second);
    }
    const fs::path body = fs::absolute(inputs.model(p.config.body));
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
