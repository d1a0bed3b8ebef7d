// `setfit train CONFIG.toml [--set section.key=value ...] [--output DIR] [--metrics-json FILE]`:
// load data and model, run both stages, evaluate on the test set, print (and optionally
// write) the metrics, save the model.

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "progress.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/run_config.hpp"
#include "setfit/run_recorder.hpp"
#include "setfit/sweep.hpp"
#include "setfit/trainer.hpp"
#include "text_io.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {

int run_train(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit train CONFIG.toml'");
  options.add_options()("help,h", "Show this help")  //
      ("set", po::value<std::vector<std::string>>()->composing(),
       "Override a config value: section.key=value (TOML value), e.g. --set args.seed=1 "
       "--set model.head_params.C=0.5 (repeatable)")                                              //
      ("output,o", po::value<std::string>(), "Save the trained model to DIR")                     //
      ("metrics-json", po::value<std::string>(), "Also write the final metrics as JSON to FILE")  //
      ("db", po::value<std::string>(),
       "Record the run, its whole config and every metric in this SQLite run store")  //
      ("device", po::value<std::string>(),
       "cpu, cuda or cuda:N: where the model trains (as --set model.device=...)");
  const auto vm = parse_verb_arguments("train", args, options, {"config"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit train CONFIG.toml [--set section.key=value ...] [--output DIR]\n"
                 "                    [--metrics-json FILE] [--db runs.db]\n\n"
                 "CONFIG keys, by table:\n"
              << config_help() << "\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  if (!vm.count("config"))
    throw UsageError("setfit train needs a CONFIG.toml; see 'setfit train --help'");
  // Where results go is checked before anything is loaded, so no training is lost to it.
  if (vm.count("output")) Model::check_save_target(vm["output"].as<std::string>());
  if (vm.count("metrics-json"))
    check_output_file(vm["metrics-json"].as<std::string>(), "--metrics-json");
  const fs::path config_file = vm["config"].as<std::string>();
  toml::table doc = parse_toml_file(config_file);
  std::vector<std::string> overrides;
  if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
  if (vm.count("device"))
    overrides.push_back(fmt::format("model.device=\"{}\"", vm["device"].as<std::string>()));
  if (!overrides.empty()) apply_overrides(doc, overrides);
  const auto inputs = assets::asset_inputs(global.cache_dir);
  const RunConfig config =
      read_run_config(doc, {config_file.string(), config_file.parent_path()}, *inputs);

  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  const ResolvedPlugins plugins = resolve_plugins(config, registry);  // before any loading

  Dataset train = load_dataset(config.train, config.data);
  if (config.num_samples)
    train =
        sample_few_shot(train, *config.num_samples, static_cast<std::uint64_t>(config.args.seed));
  DataOptions same_labels = config.data;
  same_labels.labels = train.label_names;  // the same label order as training
  std::optional<Dataset> test, eval;
  if (!config.test.empty()) test = load_dataset(config.test, same_labels);
  if (!config.eval.empty()) eval = load_dataset(config.eval, same_labels);

  const std::filesystem::path body = inputs->model(config.body);
  auto model = Model::from_pretrained(body, registry, config.model);
  log::info("training on {} examples, {} labels; body {}, head {}", train.size(),
            train.label_names.size(), config.body, config.model.head);
  std::unique_ptr<RunRecorder> recorder;
  if (vm.count("db")) {
    // The same run key as a sweep's run with this config.
    const auto records = config_records(config, plugins);
    InputFingerprints fingerprints;
    const auto keys = run_keys(config, body, records, plugins, registry, fingerprints);
    recorder = RunRecorder::start_standalone(vm["db"].as<std::string>(), keys.key, records,
                                             plugins_used(config, plugins), registry);
  }
  const auto start = std::chrono::steady_clock::now();
  Trainer trainer(model, config.args, registry, config.eval_options);
  std::unique_ptr<ProgressReporter> bar;
  Stage current = Stage::Embedding;
  trainer.on_progress([&](const TrainProgress& p) {
    if (recorder) recorder->alive();
    if (p.total == 0) return;  // a fitted head has no steps to show
    if (!bar || p.stage != current) {
      bar = std::make_unique<ProgressReporter>(
          p.stage == Stage::Embedding ? "stage 1 (embedding)" : "stage 2 (classifier)", "steps");
    }
    current = p.stage;
    bar->update(static_cast<std::size_t>(p.step), static_cast<std::size_t>(p.total),
                p.step > 0 ? fmt::format("loss {:.4f}", p.loss) : "");
  });
  std::map<std::string, double> metrics;
  try {
    trainer.train(train, eval ? &*eval : nullptr);
    bar.reset();
    log::info("trained in {:.1f} s",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (vm.count("output")) {
      model->save_pretrained(vm["output"].as<std::string>());
      log::info("model saved to {}", vm["output"].as<std::string>());
    }
    if (test) metrics = trainer.evaluate(*test);
  } catch (const std::exception& e) {
    if (recorder) recorder->failed(trainer.history(), e, std::string(to_string(current)));
    throw;
  }
  if (recorder) {
    recorder->finished(trainer.history(), metrics,
                       vm.count("output") ? vm["output"].as<std::string>() : std::string());
  }
  if (!test) {
    log::info("no test set: nothing to evaluate");
    return kExitOk;
  }
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [name, value] : metrics) {
    fmt::print("{}: {:.4f}\n", name, value);
    json[name] = value;
  }
  if (vm.count("metrics-json"))
    write_file_atomically(vm["metrics-json"].as<std::string>(), json.dump(2) + "\n");
  return kExitOk;
}

}  // namespace setfit::cli
