// The `setfit train` config (also the fixed tables of a sweep): [data] train, test, eval
// (paths relative to the config file) or dataset (a fetched name), num_samples,
// text_column, label_column, labels; [model] body, head, head_params, loss_params,
// sampler_params, normalize_embeddings, multi_target_strategy; [args] TrainingArguments; [eval]
// metrics and average.

#include "train_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "../train/training_args_toml.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/metrics.hpp"

namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

// file:line:column of a node; values given with --set have no position in the file.
std::string at(const std::string& origin, const toml::node& node) {
  return detail::toml_position(origin, node);
}

void check_keys(const toml::table& table, const std::string& origin, const std::string& name,
                std::initializer_list<std::string_view> known) {
  for (const auto& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      throw Error(fmt::format("{}: [{}] unknown key '{}'; known: {}", at(origin, node), name,
                              key.str(), fmt::join(known, ", ")));
    }
  }
}

std::string string_key(const toml::table& table, const std::string& origin, const char* section,
                       const char* key) {
  const toml::node* node = table.get(key);
  if (!node->is_string())
    throw Error(fmt::format("{}: [{}] key '{}' must be a string", at(origin, *node), section, key));
  return *node->value<std::string>();
}

ParamMap read_param_table(const toml::node& node, const std::string& origin, const char* name,
                          std::map<std::string, std::string>& positions) {
  if (!node.is_table())
    throw Error(fmt::format("{}: [model] {} must be a table", at(origin, node), name));
  ParamMap out;
  for (const auto& [key, value] : *node.as_table()) {
    positions[fmt::format("{}.{}", name, key.str())] = at(origin, value);
    if (value.is_boolean())
      out.emplace(std::string(key.str()), *value.value<bool>());
    else if (value.is_integer())
      out.emplace(std::string(key.str()), *value.value<std::int64_t>());
    else if (value.is_floating_point())
      out.emplace(std::string(key.str()), *value.value<double>());
    else if (value.is_string())
      out.emplace(std::string(key.str()), *value.value<std::string>());
    else
      throw Error(fmt::format("{}: [model.{}] '{}' must be a bool, number or string",
                              at(origin, value), name, key.str()));
  }
  return out;
}

}  // namespace

toml::table parse_toml(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line, e.source().begin.column,
                            e.description()));
  }
}

void apply_overrides(toml::table& doc, const std::vector<std::string>& assignments) {
  for (const auto& assignment : assignments) {
    const auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw UsageError(fmt::format(
          "--set '{}': expected section.key=value, e.g. args.batch_size=[16,2]", assignment));
    }
    const std::string path = assignment.substr(0, equals);
    const std::string value = assignment.substr(equals + 1);
    std::vector<std::string> keys;
    for (std::size_t start = 0;;) {
      const auto dot = path.find('.', start);
      keys.push_back(path.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (keys.size() < 2 || std::any_of(keys.begin(), keys.end(), [](auto& k) { return k.empty(); }))
      throw UsageError(fmt::format("--set '{}': the key needs a section, e.g. args.seed=1", path));
    // The value as TOML; bare text such as a plugin name is taken as a string.
    toml::table parsed;
    try {
      parsed = toml::parse("value = " + value, "--set " + assignment);
    } catch (const toml::parse_error&) {
      parsed = toml::table{{"value", value}};
    }
    toml::table* table = &doc;
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
      toml::node* child = table->get(keys[i]);
      if (child == nullptr) {
        table->insert(keys[i], toml::table{});
        child = table->get(keys[i]);
      }
      if (!child->is_table()) {
        throw UsageError(
            fmt::format("--set '{}': '{}' is not a table in the config", assignment, keys[i]));
      }
      table = child->as_table();
    }
    table->insert_or_assign(keys.back(), *parsed.get("value"));
  }
}

TrainConfig read_train_config(const toml::table& doc, const std::string& origin,
                              const fs::path& base, const GlobalOptions& global,
                              bool fetch_datasets) {
  check_keys(doc, origin, "top level", {"data", "model", "args", "eval"});
  TrainConfig config;
  auto table_of = [&](const char* name) -> const toml::table* {
    const toml::node* node = doc.get(name);
    if (node == nullptr) return nullptr;
    if (!node->is_table())
      throw Error(fmt::format("{}: [{}] must be a table", at(origin, *node), name));
    return node->as_table();
  };

  const toml::table* data = table_of("data");
  if (data == nullptr)
    throw Error(fmt::format("{}: no [data] table (train and test files, or dataset)", origin));
  check_keys(
      *data, origin, "data",
      {"train", "test", "eval", "dataset", "num_samples", "text_column", "label_column", "labels"});
  if (data->contains("dataset")) {
    const std::string name = string_key(*data, origin, "data", "dataset");
    const auto* asset = assets::find_asset(name);
    if (asset == nullptr || asset->kind != "dataset") {
      throw Error(
          fmt::format("{}: [data] dataset '{}' is not a known data set (see setfit fetch --list)",
                      at(origin, *data->get("dataset")), name));
    }
    assets::FetchOptions options;
    options.cache_dir = global.cache_dir;
    const fs::path dir = fetch_datasets ? assets::fetch(name, options)
                                        : assets::cache_dir(global.cache_dir) / "datasets" / name;
    config.train = dir / "train.jsonl";
    config.test = dir / "test.jsonl";
  }
  auto path_key = [&](const char* key) {
    fs::path p = string_key(*data, origin, "data", key);
    return p.is_absolute() ? p : base / p;
  };
  if (data->contains("train")) config.train = path_key("train");
  if (data->contains("test")) config.test = path_key("test");
  if (data->contains("eval")) config.eval = path_key("eval");
  if (config.train.empty()) throw Error(fmt::format("{}: [data] needs train (or dataset)", origin));
  if (data->contains("num_samples")) {
    const toml::node* node = data->get("num_samples");
    if (!node->is_integer() || *node->value<std::int64_t>() < 1) {
      throw Error(fmt::format("{}: [data] key 'num_samples' must be a positive integer",
                              at(origin, *node)));
    }
    config.num_samples = *node->value<std::int64_t>();
  }
  if (data->contains("text_column"))
    config.data.text_column = string_key(*data, origin, "data", "text_column");
  if (data->contains("label_column"))
    config.data.label_column = string_key(*data, origin, "data", "label_column");
  if (const toml::node* labels = data->get("labels")) {
    if (!labels->is_array())
      throw Error(fmt::format("{}: [data] labels must be a list of strings", at(origin, *labels)));
    for (const auto& label : *labels->as_array()) {
      if (!label.is_string())
        throw Error(fmt::format("{}: [data] labels must be strings", at(origin, label)));
      config.data.labels.push_back(*label.value<std::string>());
    }
  }

  const toml::table* model = table_of("model");
  if (model == nullptr || !model->contains("body")) {
    throw Error(fmt::format(
        "{}: [model] needs body (a model folder or a fetched name such as glove-100d)", origin));
  }
  check_keys(*model, origin, "model",
             {"body", "head", "head_params", "loss_params", "sampler_params",
              "normalize_embeddings", "multi_target_strategy"});
  config.body = string_key(*model, origin, "model", "body");
  if (!fs::is_directory(config.body) && !assets::find_asset(config.body) &&
      fs::is_directory(base / config.body)) {
    config.body = (base / config.body).string();
  }
  if (model->contains("head")) config.model.head = string_key(*model, origin, "model", "head");
  if (const toml::node* node = model->get("normalize_embeddings")) {
    if (!node->is_boolean())
      throw Error(
          fmt::format("{}: [model] normalize_embeddings must be true or false", at(origin, *node)));
    config.model.normalize_embeddings = *node->value<bool>();
  }
  if (model->contains("multi_target_strategy")) {
    config.model.multi_target_strategy =
        string_key(*model, origin, "model", "multi_target_strategy");
    const auto& known = multi_target_strategies();
    if (std::find(known.begin(), known.end(), config.model.multi_target_strategy) == known.end()) {
      throw Error(fmt::format("{}: [model] multi_target_strategy must be one of {}, got '{}'",
                              at(origin, *model->get("multi_target_strategy")),
                              fmt::join(known, ", "), config.model.multi_target_strategy));
    }
  }
  if (const toml::node* node = model->get("head_params"))
    config.model.head_params =
        read_param_table(*node, origin, "head_params", config.param_positions);
  if (const toml::table* args = table_of("args"))
    detail::apply_toml_args(config.args, *args, origin, "args");
  if (const toml::node* node = model->get("loss_params"))
    config.args.loss_params =
        read_param_table(*node, origin, "loss_params", config.param_positions);
  if (const toml::node* node = model->get("sampler_params")) {
    config.args.sampler_params =
        read_param_table(*node, origin, "sampler_params", config.param_positions);
  }
  if (const toml::table* eval = table_of("eval")) {
    check_keys(*eval, origin, "eval", {"metrics", "average"});
    if (eval->contains("average"))
      config.eval_options.average = string_key(*eval, origin, "eval", "average");
    if (const toml::node* metrics = eval->get("metrics")) {
      if (!metrics->is_array())
        throw Error(fmt::format("{}: [eval] metrics must be a list", at(origin, *metrics)));
      config.eval_options.metrics.clear();
      for (const auto& m : *metrics->as_array()) {
        const auto name = m.value<std::string>();
        if (!name) throw Error(fmt::format("{}: [eval] metrics must be strings", at(origin, m)));
        try {
          compute_metrics({}, {}, 2, {*name}, "macro");  // names are checked before any training
        } catch (const Error& e) {
          throw Error(fmt::format("{}: [eval] {}", at(origin, m), e.what()));
        }
        config.eval_options.metrics.push_back(*name);
      }
    }
  }
  return config;
}

ResolvedPlugins resolve_plugins(const TrainConfig& config, const PluginRegistry& registry) {
  // Each given value alone first, so that an error can point at it.
  const auto check_each = [&](const ParamSchema& schema, const ParamMap& values,
                              const std::string& table, const std::string& owner) {
    for (const auto& [key, value] : values) {
      try {
        Params::resolve(schema, ParamMap{{key, value}}, owner);
      } catch (const Error& e) {
        const auto where = config.param_positions.find(table + "." + key);
        throw ComponentConfigError(fmt::format(
            "{}: [model] {}.{}: {}",
            where == config.param_positions.end() ? std::string("config") : where->second, table,
            key, e.what()));
      }
    }
  };
  ResolvedPlugins out;
  const std::string head_owner = fmt::format("head '{}'", config.model.head);
  const auto& head = registry.find(PluginKind::Head, config.model.head);
  check_each(head.info.params, config.model.head_params, "head_params", head_owner);
  out.head_params = Params::resolve(head.info.params, config.model.head_params, head_owner);
  if (config.args.num_epochs.embedding > 0) {
    check_each(registry.find(PluginKind::Loss, config.args.loss).info.params,
               config.args.loss_params, "loss_params", fmt::format("loss '{}'", config.args.loss));
    StageOnePlugins stage_one = resolve_stage_one_plugins(config.args, registry);
    check_each(registry.find(PluginKind::Sampler, stage_one.sampler).info.params,
               config.args.sampler_params, "sampler_params",
               fmt::format("sampler '{}'", stage_one.sampler));
    out.stage_one = std::move(stage_one);
  }
  return out;
}

bool in_run_key(const ArgRecord& record, const ResolvedPlugins& plugins) {
  static const std::string loss_prefix = "model.loss_params.";
  if (record.key.rfind(loss_prefix, 0) == 0 || record.key.rfind("model.sampler_params.", 0) == 0) {
    if (record.is_default) return false;
    if (plugins.stage_one && record.key == loss_prefix + "margin") {
      const auto& mirrored = plugins.stage_one->loss_params_from_args;
      return std::find(mirrored.begin(), mirrored.end(), "margin") == mirrored.end();
    }
  }
  return true;
}

std::vector<ArgRecord> config_records(const TrainConfig& config, const ResolvedPlugins& plugins) {
  std::vector<ArgRecord> out = config.args.records();
  auto add = [&](std::string key, std::string text, std::optional<double> number, bool is_default) {
    out.push_back({std::move(key), "global", std::move(text), number, is_default});
  };
  add("data.train", config.train.string(), std::nullopt, false);
  add("data.test", config.test.string(), std::nullopt, config.test.empty());
  add("data.eval", config.eval.string(), std::nullopt, config.eval.empty());
  add("data.num_samples", config.num_samples ? std::to_string(*config.num_samples) : "all",
      config.num_samples ? std::optional<double>(static_cast<double>(*config.num_samples))
                         : std::nullopt,
      !config.num_samples);
  add("data.text_column", config.data.text_column, std::nullopt,
      config.data.text_column == DataOptions{}.text_column);
  add("data.label_column", config.data.label_column, std::nullopt,
      config.data.label_column == DataOptions{}.label_column);
  add("data.labels", fmt::format("{}", fmt::join(config.data.labels, ",")), std::nullopt,
      config.data.labels.empty());
  add("model.body", config.body, std::nullopt, false);
  add("model.head", config.model.head, std::nullopt, config.model.head == ModelOptions{}.head);
  const auto add_params = [&](const std::string& table, const Params& params,
                              const std::string& stage) {
    for (const auto& [key, value] : params.values()) {
      std::optional<double> number;
      if (const auto* i = std::get_if<std::int64_t>(&value)) number = static_cast<double>(*i);
      if (const auto* d = std::get_if<double>(&value)) number = *d;
      if (const auto* b = std::get_if<bool>(&value)) number = *b ? 1.0 : 0.0;
      out.push_back({"model." + table + "." + key, stage, format_value(value), number,
                     !params.is_user_set(key)});
    }
  };
  add_params("head_params", plugins.head_params, "global");
  add("model.normalize_embeddings", config.model.normalize_embeddings ? "true" : "false",
      config.model.normalize_embeddings ? 1.0 : 0.0, !config.model.normalize_embeddings);
  add("model.multi_target_strategy", config.model.multi_target_strategy, std::nullopt,
      config.model.multi_target_strategy.empty());
  add("eval.metrics", fmt::format("{}", fmt::join(config.eval_options.metrics, ",")), std::nullopt,
      false);
  if (plugins.stage_one) {
    add_params("loss_params", plugins.stage_one->loss_params, "embedding");
    add_params("sampler_params", plugins.stage_one->sampler_params, "embedding");
  }
  return out;
}

}  // namespace setfit::cli
