// A run's config, read through one field table: [data] train, test, eval (paths relative
// to the config file) or dataset (a fetched name), num_samples, text_column, label_column,
// labels; [model] body, head, head_params, loss_params, sampler_params,
// normalize_embeddings, multi_target_strategy; [args] TrainingArguments; [eval] metrics
// and average.

#include "setfit/run_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>

#include "../core/json_file.hpp"
#include "../core/nearest_name.hpp"
#include "../train/training_args_toml.hpp"
#include "setfit/errors.hpp"
#include "setfit/metrics.hpp"
#include "setfit/plugin_registry.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

// What a field reader needs besides the node: where the text came from and how names
// become folders.
struct ReadContext {
  const ConfigSource& source;
  const NamedInputs& inputs;
  bool fetch_datasets;

  // file:line:column of a node; values given with --set or by a sweep's grid have none.
  std::string at(const toml::node& node) const {
    return detail::toml_position(source.origin, node, source.placed);
  }
  [[noreturn]] void fail(const toml::node& node, const std::string& table,
                         const std::string& what) const {
    throw Error(fmt::format("{}: [{}] {}", at(node), table, what));
  }
  std::string string_of(const toml::node& node, const std::string& table,
                        const std::string& key) const {
    if (!node.is_string()) fail(node, table, fmt::format("key '{}' must be a string", key));
    return *node.value<std::string>();
  }
  fs::path path_of(const toml::node& node, const std::string& table, const std::string& key) const {
    fs::path p = string_of(node, table, key);
    // Absolute, so that what is recorded names the same file from any working directory.
    return fs::absolute(p.is_absolute() ? p : source.base / p);
  }
};

ParamMap read_param_table(const toml::node& node, const ReadContext& ctx, const std::string& name,
                          std::map<std::string, std::string>& positions) {
  if (!node.is_table()) ctx.fail(node, "model", fmt::format("{} must be a table", name));
  ParamMap out;
  for (const auto& [key, value] : *node.as_table()) {
    positions[fmt::format("{}.{}", name, key.str())] = ctx.at(value);
    if (value.is_boolean())
      out.emplace(std::string(key.str()), *value.value<bool>());
    else if (value.is_integer())
      out.emplace(std::string(key.str()), *value.value<std::int64_t>());
    else if (value.is_floating_point())
      out.emplace(std::string(key.str()), *value.value<double>());
    else if (value.is_string())
      out.emplace(std::string(key.str()), *value.value<std::string>());
    else
      ctx.fail(value, "model." + name,
               fmt::format("'{}' must be a bool, number or string", key.str()));
  }
  return out;
}

std::optional<double> number_of(const ParamValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
  return std::nullopt;
}

// One key of [data], [model] or [eval]: its description, how it is read, and the records
// it adds (in this table's order, which run keys depend on).
struct Field {
  ConfigField spec;
  std::function<void(RunConfig&, const toml::node&, const ReadContext&)> read;
  std::function<void(const RunConfig&, const ResolvedPlugins&, std::vector<ArgRecord>&)> record;
};

void add_record(std::vector<ArgRecord>& out, std::string key, std::string text,
                std::optional<double> number, bool is_default) {
  out.push_back({std::move(key), "global", std::move(text), number, is_default});
}

void add_param_records(std::vector<ArgRecord>& out, const std::string& table, const Params& params,
                       const std::string& stage) {
  for (const auto& [key, value] : params.values()) {
    out.push_back({"model." + table + "." + key, stage, format_value(value), number_of(value),
                   !params.is_user_set(key)});
  }
}

// A string key recorded as text, default when it equals the default options' value.
template <typename Member>
Field string_field(std::string table, std::string name, std::string description, Member member) {
  const RunConfig defaults;
  ConfigField spec{table,      name, "string", false, format_value(std::invoke(member, defaults)),
                   description};
  const std::string key = table + "." + name;
  return {std::move(spec),
          [=](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
            std::invoke(member, c) = ctx.string_of(n, table, name);
            c.user_set.insert(key);
          },
          [=](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
            add_record(out, key, std::invoke(member, c), std::nullopt, !c.user_set.count(key));
          }};
}

// The table. Defaults live in RunConfig's members (DataOptions, ModelOptions, EvalOptions);
// the texts here only describe them.
const std::vector<Field>& fields() {
  static const std::vector<Field> all = [] {
    const auto no_record = [](const RunConfig&, const ResolvedPlugins&, std::vector<ArgRecord>&) {};
    const auto path_record = [](const char* key, fs::path RunConfig::*member) {
      return [=](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
        const fs::path& p = c.*member;
        add_record(out, key, p.string(), std::nullopt,
                   p.empty() && std::string(key) != "data.train");
      };
    };
    std::vector<Field> f;
    f.push_back({{"data", "train", "path", false, "(required)",
                  "training examples, .jsonl or .csv, relative to the config file"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   c.train = ctx.path_of(n, "data", "train");
                 },
                 path_record("data.train", &RunConfig::train)});
    f.push_back({{"data", "test", "path", false, "none", "test examples, evaluated after training"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   c.test = ctx.path_of(n, "data", "test");
                 },
                 path_record("data.test", &RunConfig::test)});
    f.push_back({{"data", "eval", "path", false, "none", "examples for evaluation during training"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   c.eval = ctx.path_of(n, "data", "eval");
                 },
                 path_record("data.eval", &RunConfig::eval)});
    f.push_back({{"data", "dataset", "string", false, "none",
                  "a fetched data set instead of train and test (setfit fetch --list)"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   const std::string name = ctx.string_of(n, "data", "dataset");
                   if (!ctx.inputs.is_dataset(name)) {
                     ctx.fail(n, "data",
                              fmt::format("dataset '{}' is not a known data set (known: {})", name,
                                          ctx.inputs.describe_datasets()));
                   }
                   c.dataset = name;  // its files fill train and test once [data] is read
                 },
                 no_record});
    f.push_back({{"data", "num_samples", "int", false, "all",
                  "few-shot selection: this many examples per label, drawn with args.seed"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   if (!n.is_integer() || *n.value<std::int64_t>() < 1)
                     ctx.fail(n, "data", "key 'num_samples' must be a positive integer");
                   c.num_samples = *n.value<std::int64_t>();
                 },
                 [](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
                   add_record(out, "data.num_samples",
                              c.num_samples ? std::to_string(*c.num_samples) : "all",
                              c.num_samples
                                  ? std::optional<double>(static_cast<double>(*c.num_samples))
                                  : std::nullopt,
                              !c.num_samples);
                 }});
    f.push_back(string_field(
        "data", "text_column", "the column holding the text",
        [](auto& c) -> auto& { return c.data.text_column; }));
    f.push_back(string_field(
        "data", "label_column", "the column holding the label",
        [](auto& c) -> auto& { return c.data.label_column; }));
    f.push_back({{"data", "labels", "strings", false, "from the data",
                  "the label names, in the order of predict_proba's columns"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   if (!n.is_array()) ctx.fail(n, "data", "labels must be a list of strings");
                   c.data.labels.clear();
                   for (const auto& label : *n.as_array()) {
                     if (!label.is_string()) ctx.fail(label, "data", "labels must be strings");
                     c.data.labels.push_back(*label.value<std::string>());
                   }
                 },
                 [](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
                   add_record(out, "data.labels", fmt::format("{}", fmt::join(c.data.labels, ",")),
                              std::nullopt, c.data.labels.empty());
                 }});
    f.push_back({{"model", "body", "string", false, "(required)",
                  "a sentence-transformers model folder or a fetched model name (glove-100d)"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   c.body = ctx.string_of(n, "model", "body");
                   std::error_code ec;
                   if (!fs::is_directory(c.body, ec) && !ctx.inputs.is_model(c.body) &&
                       fs::is_directory(ctx.source.base / c.body, ec)) {
                     c.body = (ctx.source.base / c.body).string();
                   }
                 },
                 [](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
                   add_record(out, "model.body", c.body, std::nullopt, false);
                 }});
    f.push_back(string_field(
        "model", "head", "the head plugin", [](auto& c) -> auto& { return c.model.head; }));
    f.push_back({{"model", "head_params", "table", false, "the plugin's defaults",
                  "the head plugin's parameters"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   c.model.head_params = read_param_table(n, ctx, "head_params", c.param_positions);
                 },
                 [](const RunConfig&, const ResolvedPlugins& plugins, std::vector<ArgRecord>& out) {
                   add_param_records(out, "head_params", plugins.head_params, "global");
                 }});
    // Recorded after [eval], so that run keys recorded before these existed stay the same.
    f.push_back({{"model", "loss_params", "table", false, "the plugin's defaults",
                  "the loss plugin's parameters"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   c.args.loss_params = read_param_table(n, ctx, "loss_params", c.param_positions);
                 },
                 no_record});
    f.push_back({{"model", "sampler_params", "table", false, "the plugin's defaults",
                  "the parameters of the sampler that runs"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   c.args.sampler_params =
                       read_param_table(n, ctx, "sampler_params", c.param_positions);
                 },
                 no_record});
    f.push_back({{"model", "normalize_embeddings", "bool", false,
                  format_value(ModelOptions{}.normalize_embeddings),
                  "L2-normalise embeddings before the head"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   if (!n.is_boolean())
                     ctx.fail(n, "model", "normalize_embeddings must be true or false");
                   c.model.normalize_embeddings = *n.value<bool>();
                 },
                 [](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
                   const bool on = c.model.normalize_embeddings;
                   add_record(out, "model.normalize_embeddings", on ? "true" : "false",
                              on ? 1.0 : 0.0, !on);
                 }});
    f.push_back({{"model", "multi_target_strategy", "string", false, "none (single-label)",
                  "multi-label data: one-vs-rest, multi-output or classifier-chain"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   c.model.multi_target_strategy =
                       ctx.string_of(n, "model", "multi_target_strategy");
                   const auto& known = multi_target_strategies();
                   if (std::find(known.begin(), known.end(), c.model.multi_target_strategy) ==
                       known.end()) {
                     ctx.fail(n, "model",
                              fmt::format("multi_target_strategy must be one of {}, got '{}'",
                                          fmt::join(known, ", "), c.model.multi_target_strategy));
                   }
                 },
                 [](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
                   add_record(out, "model.multi_target_strategy", c.model.multi_target_strategy,
                              std::nullopt, c.model.multi_target_strategy.empty());
                 }});
    f.push_back({{"model", "static_token_limit", "int", false,
                  format_value(static_cast<std::int64_t>(ModelOptions{}.static_token_limit)),
                  "static (word-embedding) bodies: tokens a text keeps when args.max_length is "
                  "unset (a warning says when a text is cut)"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   if (!n.is_integer() || *n.value<std::int64_t>() < 1)
                     ctx.fail(n, "model", "key 'static_token_limit' must be a positive integer");
                   c.model.static_token_limit = static_cast<std::size_t>(*n.value<std::int64_t>());
                   c.user_set.insert("model.static_token_limit");
                 },
                 [](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
                   const auto limit = c.model.static_token_limit;
                   add_record(out, "model.static_token_limit", std::to_string(limit),
                              static_cast<double>(limit),
                              !c.user_set.count("model.static_token_limit"));
                 }});
    f.push_back({{"model", "device", "string", false, "\"cpu\"",
                  "where the body trains and runs: cpu, cuda or cuda:N (checked when the model "
                  "loads)"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   const std::string text = ctx.string_of(n, "model", "device");
                   try {
                     c.model.device = parse_device(text);
                   } catch (const UsageError& e) {
                     ctx.fail(n, "model", fmt::format("key 'device': {}", e.what()));
                   }
                 },
                 [](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
                   // "cpu" is the default however it is given: only a GPU changes run keys.
                   add_record(out, "model.device", to_string(c.model.device), std::nullopt,
                              c.model.device.is_cpu());
                 }});
    f.push_back({{"eval", "metrics", "strings", false,
                  [] {
                    std::vector<std::string> quoted;
                    for (const auto& m : EvalOptions{}.metrics) quoted.push_back(format_value(m));
                    return fmt::format("[{}]", fmt::join(quoted, ", "));
                  }(),
                  "accuracy, f1, precision, recall, matthews_correlation, mae"},
                 [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
                   if (!n.is_array()) ctx.fail(n, "eval", "metrics must be a list");
                   c.eval_options.metrics.clear();
                   for (const auto& m : *n.as_array()) {
                     const auto name = m.value<std::string>();
                     if (!name) ctx.fail(m, "eval", "metrics must be strings");
                     try {
                       compute_metrics({}, {}, 2, {*name}, "macro");  // checked before training
                     } catch (const Error& e) {
                       ctx.fail(m, "eval", e.what());
                     }
                     c.eval_options.metrics.push_back(*name);
                   }
                 },
                 [](const RunConfig& c, const ResolvedPlugins&, std::vector<ArgRecord>& out) {
                   add_record(out, "eval.metrics",
                              fmt::format("{}", fmt::join(c.eval_options.metrics, ",")),
                              std::nullopt, false);
                 }});
    f.push_back(
        {{"eval", "average", "string", false, "binary or macro",
          "f1/precision/recall averaging: binary (default, 2 classes), macro (default, "
          "more), micro, weighted, samples"},
         [](RunConfig& c, const toml::node& n, const ReadContext& ctx) {
           c.eval_options.average = ctx.string_of(n, "eval", "average");
           // [model] is read first: whether the data is multi-label is known here.
           const bool multi_label = !c.model.multi_target_strategy.empty();
           const std::vector<std::string> known =
               multi_label ? std::vector<std::string>{"micro", "macro", "weighted", "samples"}
                           : std::vector<std::string>{"binary", "macro", "micro", "weighted"};
           if (std::find(known.begin(), known.end(), c.eval_options.average) == known.end()) {
             ctx.fail(
                 n, "eval",
                 fmt::format("average must be one of {} for {} data, got '{}'{}",
                             fmt::join(known, ", "), multi_label ? "multi-label" : "single-label",
                             c.eval_options.average,
                             detail::did_you_mean(c.eval_options.average, known)));
           }
         },
         no_record});
    return f;
  }();
  return all;
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

toml::table parse_toml_file(const fs::path& file) {
  return parse_toml(detail::read_text_file(file), file.string());
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
    } catch (const toml::parse_error& e) {
      // A list, table or quoted string that does not parse is a typo, not a bare string.
      if (!value.empty() && std::string_view("[{\"'").find(value.front()) != std::string::npos) {
        throw UsageError(fmt::format(
            "--set '{}': the value is not valid TOML ({}, column {})", assignment, e.description(),
            e.source().begin.column > 8 ? e.source().begin.column - 8 : 1));
      }
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

const std::vector<ConfigField>& config_schema() {
  static const std::vector<ConfigField> all = [] {
    std::vector<ConfigField> out;
    for (const auto& field : fields()) out.push_back(field.spec);
    for (const auto& arg : TrainingArguments::schema()) {
      out.push_back({"args", arg.name, arg.type, arg.per_stage, arg.default_text, arg.description});
    }
    return out;
  }();
  return all;
}

std::string config_help() {
  std::string out;
  for (const auto& f : config_schema()) {
    const std::string key = fmt::format("[{}] {}{}", f.table, f.name, f.per_stage ? " *" : "");
    out += fmt::format("{:<32} {:<7} {:<22} {}\n", key, f.type, f.default_text, f.description);
  }
  out += "(* per stage: one value for both stages, or [embedding, classifier])\n";
  return out;
}

const ConfigField* find_config_field(std::string_view table, std::string_view name) {
  const auto& all = config_schema();
  const auto found = std::find_if(all.begin(), all.end(), [&](const ConfigField& f) {
    return f.table == table && f.name == name;
  });
  return found == all.end() ? nullptr : &*found;
}

RunConfig read_run_config(const toml::table& doc, const ConfigSource& source,
                          const NamedInputs& inputs, bool fetch_datasets) {
  const ReadContext ctx{source, inputs, fetch_datasets};
  static const std::vector<std::string> tables = {"data", "model", "args", "eval"};
  for (const auto& [key, node] : doc) {
    if (std::find(tables.begin(), tables.end(), key.str()) == tables.end()) {
      throw Error(
          fmt::format("{}: unknown key '{}' at the top level{}; a config has the tables "
                      "[data], [model], [args] and [eval]",
                      ctx.at(node), key.str(), detail::did_you_mean(key.str(), tables)));
    }
    if (!node.is_table())
      throw Error(fmt::format("{}: [{}] must be a table", ctx.at(node), key.str()));
  }
  const auto table_of = [&](const char* name) -> const toml::table* {
    const toml::node* node = doc.get(name);
    return node == nullptr ? nullptr : node->as_table();
  };
  if (table_of("data") == nullptr) {
    throw Error(
        fmt::format("{}: no [data] table (train and test files, or dataset)", source.origin));
  }
  const toml::table* model = table_of("model");
  if (model == nullptr || !model->contains("body")) {
    throw Error(
        fmt::format("{}: [model] needs body (a model folder or a fetched name such as glove-100d)",
                    source.origin));
  }

  RunConfig config;
  // [args] first: the plugin parameter tables of [model] go into the same TrainingArguments.
  if (const toml::table* args = table_of("args"))
    detail::apply_toml_args(config.args, *args, source.origin, "args", source.placed);
  for (const char* name : {"data", "model", "eval"}) {
    const toml::table* table = table_of(name);
    if (table == nullptr) continue;
    std::vector<std::string> known;
    for (const auto& field : fields()) {
      if (field.spec.table == name) known.push_back(field.spec.name);
    }
    for (const auto& [key, node] : *table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        const auto& begin = key.source().begin;  // point at the key itself
        const std::string where =
            begin.line == 0 ? ctx.at(node)
                            : fmt::format("{}:{}:{}", source.origin, begin.line, begin.column);
        throw Error(fmt::format("{}: [{}] unknown key '{}'{}; known: {}", where, name, key.str(),
                                detail::did_you_mean(key.str(), known), fmt::join(known, ", ")));
      }
    }
    for (const auto& field : fields()) {
      if (field.spec.table != name) continue;
      if (const toml::node* node = table->get(field.spec.name)) field.read(config, *node, ctx);
    }
  }
  // A named data set provides the files that [data] did not name itself.
  if (!config.dataset.empty()) {
    const fs::path dir = inputs.dataset(config.dataset, fetch_datasets);
    if (config.train.empty()) config.train = dir / "train.jsonl";
    if (config.test.empty()) config.test = dir / "test.jsonl";
  }
  if (config.train.empty())
    throw Error(fmt::format("{}: [data] needs train (or dataset)", source.origin));
  return config;
}

ResolvedPlugins resolve_plugins(const RunConfig& config, const PluginRegistry& registry) {
  // A parameter the plugin refuses is named with where the config wrote it.
  const auto with_position = [&](const ComponentConfigError& e) {
    const auto where = config.param_positions.find(e.parameter());
    if (where == config.param_positions.end()) throw e;
    throw ComponentConfigError(
        fmt::format("{}: [model] {}: {}", where->second, e.parameter(), e.what()), e.parameter());
  };
  ResolvedPlugins out;
  const std::string head_owner = fmt::format("head '{}'", config.model.head);
  const auto& head = registry.find(PluginKind::Head, config.model.head);
  try {
    out.head_params = Params::resolve(head.info.params, config.model.head_params, head_owner);
  } catch (const ComponentConfigError& e) {
    with_position(ComponentConfigError(e.what(), "head_params." + e.parameter()));
  }
  if (config.args.num_epochs.embedding > 0) {
    try {
      out.stage_one = resolve_stage_one_plugins(config.args, registry);
    } catch (const ComponentConfigError& e) {
      with_position(e);
    }
  }
  return out;
}

std::vector<std::pair<PluginKind, std::string>> plugins_used(const RunConfig& config,
                                                             const ResolvedPlugins& plugins) {
  std::vector<std::pair<PluginKind, std::string>> out = {{PluginKind::Head, config.model.head}};
  if (plugins.stage_one) {
    out.emplace_back(PluginKind::Loss, plugins.stage_one->loss);
    out.emplace_back(PluginKind::Sampler, plugins.stage_one->sampler);
  }
  return out;
}

bool keyed_only_when_set(const ArgRecord& record) {
  // Settings added after run keys were first recorded: at their defaults they are left out,
  // so that earlier keys hold.
  return record.key == "model.static_token_limit" || record.key == "dedupe_pair_texts" ||
         record.key == "model.device";
}

bool in_run_key(const ArgRecord& record, const ResolvedPlugins& plugins) {
  if (keyed_only_when_set(record)) return !record.is_default;
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

std::vector<ArgRecord> config_records(const RunConfig& config, const ResolvedPlugins& plugins) {
  std::vector<ArgRecord> out = config.args.records();
  for (const auto& field : fields()) field.record(config, plugins, out);
  if (plugins.stage_one) {
    add_param_records(out, "loss_params", plugins.stage_one->loss_params, "embedding");
    add_param_records(out, "sampler_params", plugins.stage_one->sampler_params, "embedding");
  }
  return out;
}

std::string key_line(const ArgRecord& record) {
  return fmt::format("{}|{}|{}\n", record.key, record.stage, record.value_text);
}

}  // namespace setfit
