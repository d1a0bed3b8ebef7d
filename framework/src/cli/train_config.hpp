#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "setfit/dataset.hpp"
#include "setfit/model.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/stage_one_plugins.hpp"
#include "setfit/trainer.hpp"
#include "setfit/training_args.hpp"

namespace setfit::cli {

// A `setfit train` config: [data], [model], [args] and [eval].
struct TrainConfig {
  std::filesystem::path train, test, eval;  // eval: optional, for evaluation during training
  std::optional<std::int64_t> num_samples;
  DataOptions data;
  std::string body;
  ModelOptions model;
  TrainingArguments args;  // with [model] loss_params and sampler_params
  EvalOptions eval_options;
  // Where each plugin parameter was given ("loss_params.temperature" -> "file:7:15"), for
  // errors found once the plugins' schemas are known.
  std::map<std::string, std::string> param_positions;
};

// The plugins a config names, with their validated parameters.
struct ResolvedPlugins {
  Params head_params;
  std::optional<StageOnePlugins> stage_one;  // absent when stage 1 does not run
};

// Checks the head, loss and sampler names and every plugin parameter against the plugins'
// schemas; errors name the parameter's file:line:column.
ResolvedPlugins resolve_plugins(const TrainConfig& config, const PluginRegistry& registry);

// Parses TOML text; errors name origin:line:column.
toml::table parse_toml(const std::string& text, const std::string& origin);

// Applies `--set section.key=value` overrides to a parsed config. The value is TOML
// (`0.1`, `[16, 2]`, `"linear"`); text that is not TOML is taken as a string.
void apply_overrides(toml::table& doc, const std::vector<std::string>& assignments);

// Reads and validates the tables; relative paths are taken from `base` (the config's
// folder). Errors name origin:line:column, the table and the key. A fetched data set
// (`dataset = "spamassassin"`) is fetched unless `fetch_datasets` is false (then its paths
// point into the cache, which may not hold it yet).
TrainConfig read_train_config(const toml::table& doc, const std::string& origin,
                              const std::filesystem::path& base, const GlobalOptions& global,
                              bool fetch_datasets = true);

// What a run store records as the run's params: every TrainingArguments field per stage,
// plus the [data], [model] and [eval] values (stage "global"), and every plugin parameter
// as resolved (defaults filled in; loss and sampler parameters in stage "embedding").
std::vector<ArgRecord> config_records(const TrainConfig& config, const ResolvedPlugins& plugins);

// Whether a record enters the run key. A plugin parameter left at its default does not:
// the plugin's name and version, which the key holds, fix it; and a loss parameter that
// mirrors args.margin is already there as that field. So keys of configs that set no
// plugin parameter are what they were before plugin parameters could be set.
bool in_run_key(const ArgRecord& record, const ResolvedPlugins& plugins);

}  // namespace setfit::cli
