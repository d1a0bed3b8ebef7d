// `setfit train CONFIG.toml [--metrics-json FILE]`: load data and model, run both stages,
// evaluate on the test set, print (and optionally write) the metrics.
//
// CONFIG: [data] train, test (paths, relative to the config file) or dataset (a fetched
// name such as "spamassassin"), num_samples, text_column, label_column, labels;
// [model] body, head, head_params, normalize_embeddings; [args] TrainingArguments;
// [eval] metrics (accuracy, f1, precision, recall, matthews_correlation, mae) and average.

#include <ATen/core/Tensor.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "../train/training_args_toml.hpp"
#include "command.hpp"
#include "model_reference.hpp"
#include "setfit/assets.hpp"
#include "setfit/dataset.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/metrics.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/sentence_encoder.hpp"
#include "setfit/trainer.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

struct Config {
  fs::path train, test;
  std::optional<std::int64_t> num_samples;
  DataOptions data;
  std::string body;
  std::string head = "logistic_regression";
  ParamMap head_params;
  bool normalize = false;
  TrainingArguments args;
  std::vector<std::string> metrics = {"accuracy"};
  std::string average;  // empty: binary for two classes, macro otherwise
};

std::string at(const std::string& origin, const toml::node& node) {
  return fmt::format("{}:{}:{}", origin, node.source().begin.line, node.source().begin.column);
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

Config read_config(const fs::path& file, const GlobalOptions& global) {
  std::ifstream in(file);
  if (!in) throw Error(fmt::format("{}: cannot be opened", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  const std::string origin = file.string();
  toml::table doc;
  try {
    doc = toml::parse(text.str(), origin);
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line, e.source().begin.column,
                            e.description()));
  }
  check_keys(doc, origin, "top level", {"data", "model", "args", "eval"});
  Config config;
  const fs::path base = file.parent_path();
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
  check_keys(*data, origin, "data",
             {"train", "test", "dataset", "num_samples", "text_column", "label_column", "labels"});
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
    const fs::path dir = assets::fetch(name, options);
    config.train = dir / "train.jsonl";
    config.test = dir / "test.jsonl";
  }
  auto path_key = [&](const char* key) {
    fs::path p = string_key(*data, origin, "data", key);
    return p.is_absolute() ? p : base / p;
  };
  if (data->contains("train")) config.train = path_key("train");
  if (data->contains("test")) config.test = path_key("test");
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
  if (const auto* labels = data->get_as<toml::array>("labels")) {
    for (const auto& label : *labels) {
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
  check_keys(*model, origin, "model", {"body", "head", "head_params", "normalize_embeddings"});
  config.body = string_key(*model, origin, "model", "body");
  if (!fs::is_directory(config.body) && !assets::find_asset(config.body) &&
      fs::is_directory(base / config.body)) {
    config.body = (base / config.body).string();
  }
  if (model->contains("head")) config.head = string_key(*model, origin, "model", "head");
  if (const toml::node* node = model->get("normalize_embeddings")) {
    if (!node->is_boolean())
      throw Error(
          fmt::format("{}: [model] normalize_embeddings must be true or false", at(origin, *node)));
    config.normalize = *node->value<bool>();
  }
  if (const toml::node* node = model->get("head_params")) {
    if (!node->is_table())
      throw Error(fmt::format("{}: [model] head_params must be a table", at(origin, *node)));
    for (const auto& [key, value] : *node->as_table()) {
      if (value.is_boolean())
        config.head_params.emplace(std::string(key.str()), *value.value<bool>());
      else if (value.is_integer())
        config.head_params.emplace(std::string(key.str()), *value.value<std::int64_t>());
      else if (value.is_floating_point())
        config.head_params.emplace(std::string(key.str()), *value.value<double>());
      else if (value.is_string())
        config.head_params.emplace(std::string(key.str()), *value.value<std::string>());
      else
        throw Error(fmt::format("{}: [model.head_params] '{}' must be a bool, number or string",
                                at(origin, value), key.str()));
    }
  }
  if (const toml::table* args = table_of("args"))
    detail::apply_toml_args(config.args, *args, origin, "args");
  if (const toml::table* eval = table_of("eval")) {
    check_keys(*eval, origin, "eval", {"metrics", "average"});
    if (eval->contains("average")) config.average = string_key(*eval, origin, "eval", "average");
    if (const auto* metrics = eval->get_as<toml::array>("metrics")) {
      config.metrics.clear();
      for (const auto& m : *metrics) {
        const auto name = m.value<std::string>();
        if (!name) throw Error(fmt::format("{}: [eval] metrics must be strings", at(origin, m)));
        try {
          compute_metrics({}, {}, 2, {*name}, "macro");  // names are checked before any training
        } catch (const Error& e) {
          throw Error(fmt::format("{}: [eval] {}", at(origin, m), e.what()));
        }
        config.metrics.push_back(*name);
      }
    }
  }
  return config;
}

}  // namespace

int run_train(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit train CONFIG.toml'");
  options.add_options()("help,h", "Show this help")  //
      ("metrics-json", po::value<std::string>(), "Also write the final metrics as JSON to FILE");
  po::options_description hidden;
  hidden.add_options()("config", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("config", 1);
  po::variables_map vm;
  parse_verb_options("train", args, all, positional, vm);
  if (vm.count("help")) {
    std::cout
        << "Usage: setfit train CONFIG.toml [--metrics-json FILE]\n\n"
           "CONFIG tables: [data] train, test or dataset, num_samples, text_column, label_column,\n"
           "labels; [model] body, head, head_params, normalize_embeddings; [args]; [eval] "
           "metrics.\n\n"
           "[args] keys (TrainingArguments):\n"
        << TrainingArguments::help() << "\n"
        << options << "\n"
        << global_options_description();
    return kExitOk;
  }
  if (!vm.count("config"))
    throw UsageError("setfit train needs a CONFIG.toml; see 'setfit train --help'");
  const Config config = read_config(vm["config"].as<std::string>(), global);

  Dataset train = load_dataset(config.train, config.data);
  if (config.num_samples)
    train =
        sample_few_shot(train, *config.num_samples, static_cast<std::uint64_t>(config.args.seed));
  DataOptions test_options = config.data;
  test_options.labels = train.label_names;  // the same label order as training
  std::optional<Dataset> test;
  if (!config.test.empty()) test = load_dataset(config.test, test_options);

  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  auto body = SentenceEncoder::load(resolve_model(config.body, global));
  auto head = registry.create_head(config.head, config.head_params);
  log::info("training on {} examples, {} labels; body {}, head {}", train.size(),
            train.label_names.size(), config.body, config.head);
  const auto start = std::chrono::steady_clock::now();
  Trainer trainer(body, head, config.args, registry, config.normalize);
  trainer.train(train);
  log::info("trained in {:.1f} s",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  if (!test) {
    log::info("no test set: nothing to evaluate");
    return kExitOk;
  }
  EncodeOptions encode;
  encode.normalize = config.normalize;
  auto proba = head->predict_proba(body->encode(test->texts, encode));
  auto predicted_tensor = proba.argmax(1).contiguous();
  std::vector<std::int64_t> predicted(
      predicted_tensor.data_ptr<std::int64_t>(),
      predicted_tensor.data_ptr<std::int64_t>() + predicted_tensor.numel());
  std::vector<std::int64_t> truth;
  for (const auto& l : test->labels) truth.push_back(l.front());
  const std::size_t classes = train.label_names.size();
  auto metrics =
      compute_metrics(truth, predicted, classes, config.metrics,
                      config.average.empty() ? default_average(classes) : config.average);
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [name, value] : metrics) {
    fmt::print("{}: {:.4f}\n", name, value);
    json[name] = value;
  }
  if (vm.count("metrics-json")) {
    std::ofstream out(vm["metrics-json"].as<std::string>());
    out << json.dump(2) << "\n";
    if (!out)
      throw Error(fmt::format("{}: cannot be written", vm["metrics-json"].as<std::string>()));
  }
  return kExitOk;
}

}  // namespace setfit::cli
