// `setfit encode MODEL --input FILE [--output FILE]`: sentence embeddings in input order.

#include <ATen/core/Tensor.h>
#include <fmt/format.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>

#include "command.hpp"
#include "model_reference.hpp"
#include "progress.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/runtime.hpp"
#include "setfit/sentence_encoder.hpp"
#include "text_io.hpp"

namespace po = boost::program_options;

namespace setfit::cli {

Precision parse_precision_option(const po::variables_map& vm) {
  try {
    return parse_precision(vm["precision"].as<std::string>());
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--precision: {}", e.what()));
  }
}

void add_device_option(po::options_description& options) {
  options.add_options()("device", po::value<std::string>()->default_value("cpu"),
                        "cpu, cuda or cuda:N: where the model runs");
}

Device parse_device_option(const po::variables_map& vm) {
  try {
    const Device device = parse_device(vm["device"].as<std::string>());
    runtime::check_device(device, "--device");
    return device;
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--device: {}", e.what()));
  }
}

int run_encode(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit encode MODEL'");
  options.add_options()("help,h", "Show this help")  //
      ("input,i", po::value<std::string>(),
       "Texts: .txt (one per line; blank lines skipped) or .jsonl")  //
      ("output,o", po::value<std::string>(),
       "Embeddings: .jsonl or .npy (default: JSONL on stdout)")                                 //
      ("field", po::value<std::string>()->default_value("text"), "Text field of .jsonl input")  //
      ("batch-size", po::value<Count>()->default_value(Count{32}, "32"),
       "Texts per forward pass")  //
      ("max-length", po::value<Count>()->default_value(Count{0}, "0"),
       "Truncation in tokens (0: the model's max_seq_length)")  //
      ("normalize", "L2-normalise the embeddings")              //
      ("precision", po::value<std::string>()->default_value("fp32"),
       "fp32, bf16 (about 2x faster where the CPU has native bf16; cosine to fp32 > 0.999) "
       "or auto (bf16 where native)");
  add_device_option(options);
  const auto vm = parse_verb_arguments("encode", args, options, {"model"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit encode MODEL --input FILE [--output FILE]\n\n"
                 "MODEL is a sentence-transformers model folder or a fetched model name.\n\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  if (!vm.count("model"))
    throw UsageError("setfit encode needs a MODEL; see 'setfit encode --help'");
  if (!vm.count("input")) throw UsageError("setfit encode needs --input FILE");
  if (vm["batch-size"].as<Count>().value == 0) throw UsageError("--batch-size must be positive");
  const Precision precision = parse_precision_option(vm);
  const Device device = parse_device_option(vm);

  auto texts = read_texts(vm["input"].as<std::string>(), vm["field"].as<std::string>());
  auto encoder = SentenceEncoder::load(resolve_model(vm["model"].as<std::string>(), global),
                                       LoadOptions{.map_weights = true});
  encoder->to(device);
  log::info("encoding {} texts with {} ({} dimensions, {} threads)", texts.size(),
            vm["model"].as<std::string>(), encoder->dimension(), runtime::threads());

  EncodeOptions encode;
  encode.batch_size = vm["batch-size"].as<Count>().value;
  encode.max_length = vm["max-length"].as<Count>().value;
  encode.normalize = vm.count("normalize") > 0;
  encode.precision = precision;
  ProgressReporter progress("encoding", "texts");
  encode.progress = [&](std::size_t done, std::size_t total) { progress.update(done, total); };
  auto embeddings = encoder->encode(texts, encode);
  const std::string output = vm.count("output") ? vm["output"].as<std::string>() : "";
  write_embeddings(output, embeddings);
  if (!output.empty()) log::info("wrote {} embeddings to {}", texts.size(), output);
  return kExitOk;
}

}  // namespace setfit::cli
