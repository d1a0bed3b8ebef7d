#pragma once

// One run's config: the [data], [model], [args] and [eval] tables of `setfit train` and of
// every run a sweep expands to, described by one schema (config_schema()) that the reader,
// the sweep reader, the run records and the docs all use.

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "setfit/dataset.hpp"
#include "setfit/export.hpp"
#include "setfit/model.hpp"
#include "setfit/named_inputs.hpp"
#include "setfit/records.hpp"
#include "setfit/stage_one_plugins.hpp"
#include "setfit/trainer.hpp"
#include "setfit/training_args.hpp"

namespace setfit {

class PluginRegistry;

// One key of a config table, as `--help`, errors and docs show it.
struct ConfigField {
  std::string table;  // "data", "model", "args" or "eval"
  std::string name;
  std::string type;  // "path", "string", "int", "bool", "float", "strings", "table", ...
  bool per_stage = false;
  std::string default_text;
  std::string description;
};

// Every key of every table, [args] being TrainingArguments::schema().
SETFIT_API const std::vector<ConfigField>& config_schema();
// The field, or nullptr.
SETFIT_API const ConfigField* find_config_field(std::string_view table, std::string_view name);
// The schema as help text, one key per line ("[data] train  path  (required)  ..."), as
// `setfit train --help` prints it and docs/training.md shows it (a test keeps them equal).
SETFIT_API std::string config_help();

struct RunConfig {
  std::filesystem::path train, test, eval;  // eval: optional, for evaluation during training
  std::string dataset;                      // the named data set train/test come from, if any
  std::optional<std::int64_t> num_samples;
  DataOptions data;
  std::string body;
  ModelOptions model;
  TrainingArguments args;  // with [model] loss_params and sampler_params
  EvalOptions eval_options;
  // Where each plugin parameter was given ("loss_params.temperature" -> "file:7:15"), for
  // errors found once the plugins' schemas are known.
  std::map<std::string, std::string> param_positions;
  // The string keys of [data], [model] and [eval] the config wrote ("model.head"), so that a
  // value written out is never recorded as a default, even when it equals one.
  std::set<std::string> user_set;
};

// Where a config's text came from: for errors ("file:line:column") and relative paths.
struct ConfigSource {
  std::string origin;            // the file's name in messages
  std::filesystem::path base;    // relative paths are taken from here
  std::string placed = "--set";  // what to call values that have no position in the file
};

// Parses TOML text; errors name origin:line:column.
SETFIT_API toml::table parse_toml(const std::string& text, const std::string& origin);
// Reads and parses a TOML file; errors name the file.
SETFIT_API toml::table parse_toml_file(const std::filesystem::path& file);

// Applies `--set section.key=value` overrides to a parsed config. The value is TOML
// (`0.1`, `[16, 2]`, `"linear"`); text that is not TOML is taken as a string.
SETFIT_API void apply_overrides(toml::table& doc, const std::vector<std::string>& assignments);

// Reads and validates the tables. Errors name origin:line:column, the table and the key.
// A named data set or model is looked up in `inputs`; a data set is fetched unless
// `fetch_datasets` is false (then its paths point to where it will be).
SETFIT_API RunConfig read_run_config(const toml::table& doc, const ConfigSource& source,
                                     const NamedInputs& inputs, bool fetch_datasets = true);

// The plugins a config names, with their validated parameters.
struct ResolvedPlugins {
  Params head_params;
  std::optional<StageOnePlugins> stage_one;  // absent when stage 1 does not run
};

// The plugins a run uses, for the store: the head, and stage 1's loss and the sampler that
// actually runs when stage 1 runs.
SETFIT_API std::vector<std::pair<PluginKind, std::string>> plugins_used(
    const RunConfig& config, const ResolvedPlugins& plugins);

// Checks the head, loss and sampler names and every plugin parameter against the plugins'
// schemas; errors name the parameter's file:line:column.
SETFIT_API ResolvedPlugins resolve_plugins(const RunConfig& config, const PluginRegistry& registry);

// What a run store records as the run's params: every TrainingArguments field per stage,
// plus the [data], [model] and [eval] values (stage "global"), and every plugin parameter
// as resolved (defaults filled in; loss and sampler parameters in stage "embedding").
SETFIT_API std::vector<ArgRecord> config_records(const RunConfig& config,
                                                 const ResolvedPlugins& plugins);

// One recorded value as it enters a run key or a stage-1 key: "key|stage|value\n".
SETFIT_API std::string key_line(const ArgRecord& record);

// Whether a record enters the run key. A plugin parameter left at its default does not:
// the plugin's name and version, which the key holds, fix it; and a loss parameter that
// mirrors args.margin is already there as that field. So keys of configs that set no
// plugin parameter are what they were before plugin parameters could be set.
SETFIT_API bool in_run_key(const ArgRecord& record, const ResolvedPlugins& plugins);
// Settings added after run keys were first recorded (model.static_token_limit,
// dedupe_pair_texts): in a run key, and in a stage-1 key, only when set.
SETFIT_API bool keyed_only_when_set(const ArgRecord& record);

}  // namespace setfit
