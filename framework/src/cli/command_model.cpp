// `setfit model info MODEL [--json]`.

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "model_reference.hpp"
#include "setfit/errors.hpp"
#include "setfit/sentence_encoder.hpp"

namespace po = boost::program_options;

namespace setfit::cli {

int run_model(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit model'");
  options.add_options()("help,h", "Show this help")("json", "Print JSON instead of text");
  const auto vm = parse_verb_arguments("model", args, options, {"action", "model"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit model info MODEL [--json]\n\n"
                 "Architecture, dimensions, modules, tokeniser and parameter count of a model.\n\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  const std::string action = vm.count("action") ? vm["action"].as<std::string>() : "";
  if (action != "info") {
    throw UsageError(action.empty()
                         ? "setfit model needs an action: info"
                         : fmt::format("unknown action 'setfit model {}'; expected info", action));
  }
  if (!vm.count("model")) throw UsageError("setfit model info needs a MODEL");

  auto info = SentenceEncoder::load(resolve_model(vm["model"].as<std::string>(), global))->info();
  if (vm.count("json")) {
    nlohmann::json out = {{"path", info.path.string()},
                          {"architecture", info.architecture},
                          {"modules", info.modules},
                          {"hidden_size", info.hidden_size},
                          {"layers", info.layers},
                          {"heads", info.heads},
                          {"embedding_dimension", info.embedding_dimension},
                          {"max_seq_length", info.max_seq_length},
                          {"tokenizer", info.tokenizer},
                          {"parameters", info.parameter_count}};
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  fmt::print("model:          {}\n", info.path.string());
  fmt::print("architecture:   {}\n", info.architecture);
  fmt::print("modules:        {}\n", fmt::join(info.modules, " -> "));
  fmt::print("hidden size:    {} ({} layers, {} heads)\n", info.hidden_size, info.layers,
             info.heads);
  fmt::print("embedding dim:  {}\n", info.embedding_dimension);
  fmt::print("max seq length: {}\n", info.max_seq_length);
  fmt::print("tokenizer:      {}\n", info.tokenizer);
  fmt::print("parameters:     {}\n", info.parameter_count);
  return kExitOk;
}

}  // namespace setfit::cli
