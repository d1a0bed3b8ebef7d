// `setfit predict MODEL --input FILE [--proba] [--output FILE]`: labels (or probabilities)
// of texts from a saved SetFit model, one JSON object per line.

#include <ATen/core/Tensor.h>
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "model_reference.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/model.hpp"
#include "setfit/plugin_registry.hpp"
#include "text_io.hpp"

namespace po = boost::program_options;

namespace setfit::cli {

int run_predict(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit predict MODEL'");
  options.add_options()("help,h", "Show this help")  //
      ("input,i", po::value<std::string>(),
       "Texts: .txt (one per line; blank lines skipped) or .jsonl")                             //
      ("field", po::value<std::string>()->default_value("text"), "Text field of .jsonl input")  //
      ("proba", "Also give every label's probability")                                          //
      ("precision", po::value<std::string>()->default_value("fp32"),
       "fp32, bf16 (about 2x faster where the CPU has native bf16) or auto (bf16 where native)")  //
      ("output,o", po::value<std::string>(), "Write JSONL here instead of stdout");
  add_device_option(options);
  const auto vm = parse_verb_arguments("predict", args, options, {"model"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit predict MODEL --input FILE [--proba] [--output FILE]\n\n"
                 "MODEL is a folder written by 'setfit train --output'. Output: one JSON object\n"
                 "per text, {\"label\": ...} (multi-label models: {\"labels\": [...]}), with\n"
                 "--proba also {\"proba\": {label: p, ...}}.\n\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  if (!vm.count("model"))
    throw UsageError("setfit predict needs a MODEL; see 'setfit predict --help'");
  if (!vm.count("input")) throw UsageError("setfit predict needs --input FILE");
  const Precision precision = parse_precision_option(vm);
  const Device device = parse_device_option(vm);

  const auto dir = resolve_model(vm["model"].as<std::string>(), global);
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  ModelOptions model_options;
  model_options.device = device;
  model_options.map_weights = true;  // inference only: no copies of the weights
  auto model = Model::from_pretrained(dir, registry, model_options);
  model->set_precision(precision);
  if (!model->head_ready()) {
    throw Error(
        fmt::format("{}: not a trained SetFit model (no model_head.safetensors); train one with "
                    "'setfit train CONFIG --output DIR'",
                    dir.string()));
  }
  const auto texts = read_texts(vm["input"].as<std::string>(), vm["field"].as<std::string>());
  log::info("predicting {} texts with {}", texts.size(), dir.string());
  const auto proba = model->predict_proba(texts).contiguous();
  const auto& labels = model->labels();
  const bool with_proba = vm.count("proba") > 0;

  std::ofstream file;
  if (vm.count("output")) {
    file.open(vm["output"].as<std::string>());
    if (!file) throw Error(fmt::format("{}: cannot be written", vm["output"].as<std::string>()));
  }
  std::ostream& out = vm.count("output") ? static_cast<std::ostream&>(file) : std::cout;
  const auto columns = static_cast<std::size_t>(proba.size(1));
  const float* values = proba.data_ptr<float>();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const float* row = values + i * columns;
    nlohmann::json line;
    if (model->multi_label()) {
      line["labels"] = nlohmann::json::array();
      for (std::size_t k = 0; k < columns; ++k) {
        if (row[k] >= 0.5f) line["labels"].push_back(labels[k]);
      }
    } else {
      line["label"] = labels[static_cast<std::size_t>(std::max_element(row, row + columns) - row)];
    }
    if (with_proba) {
      for (std::size_t k = 0; k < columns; ++k) line["proba"][labels[k]] = row[k];
    }
    out << line.dump() << "\n";
  }
  if (!out) throw Error("the predictions could not be written");
  return kExitOk;
}

}  // namespace setfit::cli
