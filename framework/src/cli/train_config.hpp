#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "setfit/dataset.hpp"
#include "setfit/model.hpp"
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
  TrainingArguments args;
  EvalOptions eval_options;
};

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
// plus the [data], [model] and [eval] values (stage "global"). `head_params` are the head
// plugin's resolved parameters (defaults filled in).
std::vector<ArgRecord> config_records(const TrainConfig& config, const ParamMap& head_params);

}  // namespace setfit::cli
