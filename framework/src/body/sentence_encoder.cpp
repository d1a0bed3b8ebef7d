#include "setfit/sentence_encoder.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <numeric>
#include <optional>

#include "../core/cpu_autocast.hpp"
#include "../core/json_file.hpp"
#include "../core/torch_device.hpp"
#include "../text/unicode.hpp"
#include "../text/whitespace_tokenizer.hpp"
#include "architecture.hpp"
#include "module_list.hpp"
#include "pooling.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/runtime.hpp"
#include "setfit/safetensors.hpp"
#include "static_embedding.hpp"
#include "transformer.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

using body::kDenseType;
using body::kNormalizeType;
using body::kPoolingType;
using body::kTransformerType;
using body::kWordEmbeddingsType;
using body::ModuleEntry;
using body::read_modules;
constexpr const char* kWhitespaceTokenizerClass =
    "sentence_transformers.models.tokenizer.WhitespaceTokenizer.WhitespaceTokenizer";

// Files a tokeniser may consist of; copied unchanged when a body is saved.
constexpr const char* kTokenizerFiles[] = {"vocab.txt",
                                           "vocab.json",
                                           "merges.txt",
                                           "sentencepiece.bpe.model",
                                           "tokenizer_config.json",
                                           "special_tokens_map.json",
                                           "tokenizer.json",
                                           "added_tokens.json"};

using Activation = torch::Tensor (*)(const torch::Tensor&);

// The activations a Dense module may name (sentence-transformers writes the class path);
// nullptr for any other.
Activation find_dense_activation(const std::string& name) {
  static const std::pair<const char*, Activation> kKnown[] = {
      {"torch.nn.modules.activation.Tanh", [](const torch::Tensor& y) { return torch::tanh(y); }},
      {"torch.nn.modules.linear.Identity", [](const torch::Tensor& y) { return y; }},
      {"torch.nn.modules.activation.ReLU", [](const torch::Tensor& y) { return torch::relu(y); }},
      {"torch.nn.modules.activation.Sigmoid",
       [](const torch::Tensor& y) { return torch::sigmoid(y); }},
      {"torch.nn.modules.activation.GELU", [](const torch::Tensor& y) { return torch::gelu(y); }}};
  for (const auto& [known, function] : kKnown) {
    if (name == known) return function;
  }
  return nullptr;
}

Activation dense_activation(const std::string& name) {
  if (auto function = find_dense_activation(name)) return function;
  throw Error(fmt::format("Dense activation '{}' is not supported", name));
}

// sentence-transformers' Dense: Linear + activation, weights "linear.weight"/"linear.bias".
struct DenseModule {
  body::DenseConfig config;
  torch::nn::Linear linear{nullptr};

  torch::Tensor forward(const torch::Tensor& x) const {
    return dense_activation(config.activation)(
        torch::nn::functional::linear(x, linear->weight, linear->bias));
  }
};

// Parameter names of the i-th Dense module: "dense.linear.weight" for the first (the common
// case), "dense_1.linear.weight" and so on for later ones.
std::string dense_parameter_prefix(std::size_t i) {
  return i == 0 ? std::string("dense.linear.") : fmt::format("dense_{}.linear.", i);
}

// Fills every parameter of `module` from `weights` (copied, or on the file's pages with
// options.map_weights), matching names with or without a leading prefix: the architecture's
// ("bert."), or "model.".
void load_parameters(torch::nn::Module& module, const SafetensorsFile& weights,
                     const std::string& architecture_prefix, const std::string& described_by,
                     const LoadOptions& options) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> missing;
  for (auto& item : module.named_parameters(true)) {
    const std::string& name = item.key();
    const SafetensorsEntry* entry = weights.find(name);
    for (const std::string& prefix : {architecture_prefix, std::string("model.")}) {
      if (entry == nullptr) entry = weights.find(prefix + name);
    }
    if (entry == nullptr) {
      missing.push_back(name);
      continue;
    }
    if (item.value().sizes() != c10::IntArrayRef(entry->shape)) {
      throw Error(fmt::format("{}: tensor '{}' has shape [{}] but {} implies [{}]",
                              weights.path().string(), entry->name, fmt::join(entry->shape, ", "),
                              described_by, fmt::join(item.value().sizes(), ", ")));
    }
    if (options.map_weights) {
      weights.share_into(entry->name, item.value());
    } else {
      weights.load_into(entry->name, item.value());
    }
  }
  if (!missing.empty()) {
    const std::size_t shown = std::min<std::size_t>(missing.size(), 5);
    throw Error(fmt::format("{}: {} tensor(s) that {} requires are missing: {}{}",
                            weights.path().string(), missing.size(), described_by,
                            fmt::join(missing.begin(), missing.begin() + shown, ", "),
                            missing.size() > shown ? ", ..." : ""));
  }
}

}  // namespace

namespace {

// Truncation beyond a position table (`positions`; 0: none) would index past it deep inside
// the model: refused here, by loaded bodies and by checks before loading alike.
void check_length_fits(std::size_t max_length, std::size_t positions, const fs::path& dir) {
  if (positions > 0 && max_length > positions) {
    throw Error(
        fmt::format("max_length {} is longer than the {} positions of the model in {}; "
                    "use at most {}",
                    max_length, positions, dir.string(), positions));
  }
}

}  // namespace

struct SentenceEncoder::Impl {
  fs::path dir;
  std::vector<ModuleEntry> modules;
  nlohmann::json config_json;  // a transformer's config.json, written back unchanged on save
  body::TransformerConfig config;
  std::shared_ptr<body::TokenEncoder> encoder;
  std::shared_ptr<body::StaticEmbeddingEncoder> static_encoder;  // set for word-embedding bodies
  std::int64_t token_width = 0;
  std::unique_ptr<Tokenizer> tokenizer;
  body::PoolingConfig pooling;
  std::vector<DenseModule> dense;  // applied in order after pooling
  bool normalize = false;
  std::size_t max_seq_length = 512;
  std::size_t position_limit = 0;  // a transformer's usable positions; 0: no table (static)
  std::size_t static_token_limit = kStaticTokenLimit;
  mutable std::atomic<bool> warned_static_cap{false};
  bool do_lower_case = false;  // sentence-transformers' own lower-casing, before the tokeniser
  bool training = false;
  Device device;  // where the weights are; collate() puts token ids there

  struct Batch {
    torch::Tensor input_ids, attention_mask, token_type_ids;
  };

  std::string prepare(const std::string& text) const {
    auto codepoints = text::decode_utf8(text, "input text");
    auto stripped = text::python_strip(codepoints);
    return text::encode_utf8(do_lower_case ? text::python_lower(stripped)
                                           : std::u32string(stripped));
  }

  void check_max_length(std::size_t max_length) const {
    check_length_fits(max_length, position_limit, dir);
  }

  std::vector<Encoding> tokenize(const std::vector<std::string>& texts,
                                 std::size_t max_length) const {
    check_max_length(max_length);
    std::size_t limit = max_length > 0 ? max_length : max_seq_length;
    // A static body has no position table and may declare max_seq_length 1,000,000; a batch
    // is padded to its longest text, so one huge text would need gigabytes. Unless a length
    // is asked for, such bodies stop at static_token_limit tokens.
    const bool capped = max_length == 0 && static_encoder && limit > static_token_limit;
    if (capped) limit = static_token_limit;
    std::vector<Encoding> encodings;
    encodings.reserve(texts.size());
    for (const auto& t : texts) {
      encodings.push_back(tokenizer->encode(prepare(t), limit));
      if (capped && encodings.back().ids.size() >= limit && !warned_static_cap.exchange(true)) {
        log::warn(
            "a text reached {} tokens and was truncated there (the limit for static "
            "bodies: set model.static_token_limit, or args.max_length / --max-length, to "
            "change it)",
            static_token_limit);
      }
    }
    return encodings;
  }

  Batch collate(const std::vector<const Encoding*>& encodings) const {
    std::size_t length = 0;
    for (const auto* e : encodings) length = std::max(length, e->ids.size());
    const auto rows = static_cast<std::int64_t>(encodings.size());
    const auto cols = static_cast<std::int64_t>(length);
    Batch batch;
    batch.input_ids = torch::full({rows, cols}, tokenizer->pad_id(), torch::kLong);
    batch.attention_mask = torch::zeros({rows, cols}, torch::kLong);
    if (tokenizer->uses_token_types())
      batch.token_type_ids = torch::zeros({rows, cols}, torch::kLong);
    auto ids = batch.input_ids.accessor<std::int64_t, 2>();
    auto mask = batch.attention_mask.accessor<std::int64_t, 2>();
    for (std::int64_t r = 0; r < rows; ++r) {
      const Encoding& e = *encodings[static_cast<std::size_t>(r)];
      for (std::size_t c = 0; c < e.ids.size(); ++c) {
        ids[r][static_cast<std::int64_t>(c)] = e.ids[c];
        mask[r][static_cast<std::int64_t>(c)] = 1;
      }
      if (batch.token_type_ids.defined()) {
        auto types = batch.token_type_ids.accessor<std::int64_t, 2>();
        for (std::size_t c = 0; c < e.type_ids.size(); ++c)
          types[r][static_cast<std::int64_t>(c)] = e.type_ids[c];
      }
    }
    if (!device.is_cpu()) {
      const auto target = detail::torch_device(device);
      batch.input_ids = batch.input_ids.to(target);
      batch.attention_mask = batch.attention_mask.to(target);
      if (batch.token_type_ids.defined()) batch.token_type_ids = batch.token_type_ids.to(target);
    }
    return batch;
  }

  torch::Tensor pool(const torch::Tensor& tokens, const torch::Tensor& mask) const {
    auto x = body::pool(pooling, tokens, mask);
    for (const auto& layer : dense) x = layer.forward(x);
    if (normalize)
      x = torch::nn::functional::normalize(
          x, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
    return x;
  }

  torch::Tensor forward(const Batch& batch) const {
    auto tokens = encoder->forward({batch.input_ids, batch.attention_mask, batch.token_type_ids});
    return pool(tokens, batch.attention_mask);
  }
};

namespace {

void load_transformer(SentenceEncoder::Impl& impl, const fs::path& transformer_dir,
                      const LoadOptions& options) {
  const fs::path config_file = transformer_dir / "config.json";
  impl.config_json = detail::read_json_file(config_file);
  impl.config = body::TransformerConfig::from_json(impl.config_json, config_file.string());
  const body::Architecture& architecture =
      body::find_architecture(impl.config.model_type, config_file.string());
  const std::int64_t reserved = architecture.reserved_positions(impl.config);
  if (reserved < 0 || reserved >= impl.config.max_position_embeddings) {
    throw Error(
        fmt::format("{}: max_position_embeddings {} leaves no position for text ({} are "
                    "reserved by a {} model)",
                    config_file.string(), impl.config.max_position_embeddings, reserved,
                    impl.config.model_type));
  }

  const fs::path weights_file = transformer_dir / "model.safetensors";
  if (!fs::exists(weights_file)) {
    if (fs::exists(transformer_dir / "pytorch_model.bin")) {
      throw Error(
          fmt::format("{}: only pytorch_model.bin is present, a pickle that cannot be read "
                      "without running code; convert it to model.safetensors",
                      transformer_dir.string()));
    }
    throw Error(fmt::format("{}: no such file", weights_file.string()));
  }
  // The weights file's header is read (and validated) before the encoder allocates anything:
  // sizes in config.json that its weights cannot hold (a typo, or a hostile file claiming
  // hidden_size 1e9) are refused here instead of by the allocator.
  const SafetensorsFile weights = SafetensorsFile::open(weights_file);
  double stored = 0;
  for (const auto& entry : weights.entries()) {
    double elements = 1;
    for (auto size : entry.shape) elements *= static_cast<double>(size);
    stored += elements;
  }
  // Near misses are left to load_parameters, whose message names the tensor; the slack
  // bounds what a config can make us allocate to about twice what its weights file holds.
  if (impl.config.minimum_parameters() > 2.0 * stored + 1e6) {
    throw Error(fmt::format(
        "{}: the sizes it declares (vocab_size {}, hidden_size {}, num_hidden_layers {}, "
        "intermediate_size {}, max_position_embeddings {}) need at least {:.3g} weights, but {} "
        "holds {:.3g}; the config does not describe these weights",
        config_file.string(), impl.config.vocab_size, impl.config.hidden_size,
        impl.config.num_hidden_layers, impl.config.intermediate_size,
        impl.config.max_position_embeddings, impl.config.minimum_parameters(),
        weights_file.string(), stored));
  }
  auto encoder = body::make_encoder(impl.config);
  impl.encoder = encoder;
  impl.token_width = impl.config.hidden_size;
  load_parameters(*encoder, weights, architecture.weight_prefix, config_file.string(), options);
  impl.tokenizer = load_tokenizer(transformer_dir, architecture.tokenizer_class);
  if (impl.tokenizer->vocab_size() > static_cast<std::size_t>(impl.config.vocab_size)) {
    throw Error(fmt::format("{}: the tokeniser has {} tokens but vocab_size is {}",
                            config_file.string(), impl.tokenizer->vocab_size(),
                            impl.config.vocab_size));
  }

  // sentence_bert_config.json: max_seq_length and sentence-transformers' lower-casing.
  std::size_t max_positions = static_cast<std::size_t>(impl.config.max_position_embeddings);
  max_positions -= static_cast<std::size_t>(architecture.reserved_positions(impl.config));
  impl.max_seq_length = std::min<std::size_t>(512, max_positions);
  impl.position_limit = max_positions;
  const fs::path st_config = transformer_dir / "sentence_bert_config.json";
  if (fs::exists(st_config)) {
    auto json = detail::read_json_file(st_config);
    auto length = detail::json_int_or(
        json, "max_seq_length", static_cast<std::int64_t>(impl.max_seq_length), st_config.string());
    if (length <= 0 || static_cast<std::size_t>(length) > max_positions) {
      throw Error(
          fmt::format("{}: max_seq_length {} must be between 1 and the model's {} positions",
                      st_config.string(), length, max_positions));
    }
    impl.max_seq_length = static_cast<std::size_t>(length);
    impl.do_lower_case = detail::json_bool_or(json, "do_lower_case", false, st_config.string());
  }
}

std::vector<std::string> string_list(const nlohmann::json& object, const char* key,
                                     const std::string& origin) {
  if (!object.contains(key) || object[key].is_null()) return {};
  const auto& value = object[key];
  if (!value.is_array())
    throw Error(fmt::format("{}: key '{}' must be a list of strings", origin, key));
  std::vector<std::string> out;
  out.reserve(value.size());
  for (const auto& item : value) {
    if (!item.is_string())
      throw Error(fmt::format("{}: key '{}' must be a list of strings", origin, key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

void load_word_embeddings(SentenceEncoder::Impl& impl, const fs::path& module_dir,
                          const LoadOptions& options) {
  const fs::path config_file = module_dir / "wordembedding_config.json";
  auto config = detail::read_json_file(config_file);
  const std::string tokenizer_class = detail::json_string_or(
      config, "tokenizer_class", kWhitespaceTokenizerClass, config_file.string());
  if (tokenizer_class != kWhitespaceTokenizerClass) {
    throw Error(fmt::format("{}: tokenizer_class '{}' is not supported; supported: {}",
                            config_file.string(), tokenizer_class, kWhitespaceTokenizerClass));
  }
  const bool trainable =
      detail::json_bool_or(config, "update_embeddings", false, config_file.string());
  const auto max_length =
      detail::json_int_or(config, "max_seq_length", 1000000, config_file.string());
  if (max_length <= 0)
    throw Error(fmt::format("{}: max_seq_length must be positive", config_file.string()));
  impl.max_seq_length = static_cast<std::size_t>(max_length);

  const fs::path tokenizer_file = module_dir / "whitespacetokenizer_config.json";
  auto tokenizer_json = detail::read_json_file(tokenizer_file);
  auto vocab = string_list(tokenizer_json, "vocab", tokenizer_file.string());
  if (vocab.empty())
    throw Error(fmt::format("{}: the vocabulary is empty", tokenizer_file.string()));
  auto stop_words = string_list(tokenizer_json, "stop_words", tokenizer_file.string());
  const bool lower =
      detail::json_bool_or(tokenizer_json, "do_lower_case", false, tokenizer_file.string());

  const fs::path weights_file = module_dir / "model.safetensors";
  if (!fs::exists(weights_file)) {
    throw Error(
        fmt::format("{}: no such file (pytorch_model.bin is not read: unpickling runs code)",
                    weights_file.string()));
  }
  auto weights = SafetensorsFile::open(weights_file);
  const SafetensorsEntry* table = weights.find("emb_layer.weight");
  if (table == nullptr || table->shape.size() != 2) {
    throw Error(fmt::format("{}: expected a 2-D tensor 'emb_layer.weight'", weights_file.string()));
  }
  if (table->shape[0] != static_cast<std::int64_t>(vocab.size())) {
    throw Error(fmt::format("{}: 'emb_layer.weight' has {} rows but {} lists {} words",
                            weights_file.string(), table->shape[0], tokenizer_file.string(),
                            vocab.size()));
  }
  auto encoder =
      std::make_shared<body::StaticEmbeddingEncoder>(table->shape[0], table->shape[1], trainable);
  load_parameters(*encoder, weights, "", tokenizer_file.string(), options);
  impl.static_encoder = encoder;
  impl.encoder = encoder;
  impl.token_width = table->shape[1];
  // setfit-cpp's own tokeniser options live in a file of their own, so that
  // sentence-transformers (which passes every key of its config to the constructor) still
  // loads the folder.
  const fs::path options_file = module_dir / "setfit_tokenizer.json";
  const bool split_compounds =
      fs::exists(options_file) &&
      detail::json_bool_or(detail::read_json_file(options_file), "split_compounds", false,
                           options_file.string());
  impl.tokenizer = std::make_unique<text::WhitespaceTokenizer>(
      std::move(vocab), std::move(stop_words), lower, split_compounds);
}

}  // namespace

void SentenceEncoder::check_max_length(const fs::path& dir, std::size_t max_length) {
  const auto modules = read_modules(dir);
  if (modules.empty() || modules.front().type != kTransformerType) return;  // no table
  const fs::path config_file = dir / modules.front().path / "config.json";
  const auto config =
      body::TransformerConfig::from_json(detail::read_json_file(config_file), config_file.string());
  const auto reserved =
      body::find_architecture(config.model_type, config_file.string()).reserved_positions(config);
  if (reserved >= 0 && reserved < config.max_position_embeddings) {
    check_length_fits(max_length,
                      static_cast<std::size_t>(config.max_position_embeddings - reserved), dir);
  }
}

const char* to_string(Precision precision) {
  switch (precision) {
    case Precision::Fp32:
      return "fp32";
    case Precision::Bf16:
      return "bf16";
    case Precision::Auto:
      return "auto";
  }
  return "?";
}

Precision parse_precision(const std::string& text) {
  for (auto p : {Precision::Fp32, Precision::Bf16, Precision::Auto})
    if (text == to_string(p)) return p;
  throw UsageError(fmt::format("precision must be fp32, bf16 or auto, got '{}'", text));
}

Precision resolve_precision(Precision precision) {
  if (precision == Precision::Fp32) return precision;
  if (runtime::cpu_has_native_bf16()) return Precision::Bf16;
  if (precision == Precision::Bf16) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      log::warn("bf16: this CPU has no native bf16 (avx512_bf16 or amx_bf16); encoding in fp32");
  }
  return Precision::Fp32;
}

SentenceEncoder::SentenceEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SentenceEncoder::~SentenceEncoder() = default;

std::shared_ptr<SentenceEncoder> SentenceEncoder::load(const fs::path& dir,
                                                       const LoadOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(fmt::format("{}: not a model folder (no such directory)", dir.string()));
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->modules = read_modules(dir);
  const std::string modules_origin = (dir / "modules.json").string();

  // The first module turns tokens into vectors; the rest may come in sentence-transformers' order.
  const std::string& first_type = impl->modules.front().type;
  const fs::path first_dir = dir / impl->modules.front().path;
  if (first_type == kTransformerType) {
    load_transformer(*impl, first_dir, options);
  } else if (first_type == kWordEmbeddingsType) {
    load_word_embeddings(*impl, first_dir, options);
  } else {
    throw Error(fmt::format("{}: the first module is '{}'; supported first modules: {}, {}",
                            modules_origin, first_type, kTransformerType, kWordEmbeddingsType));
  }

  bool have_pooling = false;
  impl->pooling.word_embedding_dimension = impl->token_width;
  std::int64_t width = impl->token_width;
  for (std::size_t i = 1; i < impl->modules.size(); ++i) {
    const auto& module = impl->modules[i];
    const fs::path module_dir = dir / module.path;
    if (module.type == kPoolingType) {
      const fs::path file = module_dir / "config.json";
      // A plain checkpoint (no modules.json) implies mean pooling; a folder that
      // modules.json names must be there, or the embeddings would silently change.
      if (!module.path.empty()) {
        if (!fs::exists(file)) {
          throw Error(fmt::format("{}: no such file; {} names a Pooling module in '{}'",
                                  file.string(), modules_origin, module.path));
        }
        impl->pooling = body::PoolingConfig::from_json(detail::read_json_file(file), file.string());
      }
      if (impl->pooling.word_embedding_dimension != impl->token_width) {
        throw Error(
            fmt::format("{}: word_embedding_dimension {} differs from the first module's "
                        "width {}",
                        file.string(), impl->pooling.word_embedding_dimension, impl->token_width));
      }
      width = impl->pooling.output_dimension();
      have_pooling = true;
    } else if (module.type == kDenseType) {
      const fs::path file = module_dir / "config.json";
      DenseModule dense;
      dense.config = body::DenseConfig::from_json(detail::read_json_file(file), file.string());
      const auto& config = dense.config;
      if (find_dense_activation(config.activation) == nullptr) {
        throw Error(fmt::format("{}: activation_function '{}' is not supported", file.string(),
                                config.activation));
      }
      if (config.in_features != width) {
        throw Error(fmt::format("{}: in_features {} must equal the previous module's width {}",
                                file.string(), config.in_features, width));
      }
      const fs::path dense_weights = module_dir / "model.safetensors";
      if (!fs::exists(dense_weights)) {
        throw Error(
            fmt::format("{}: no such file (Dense weights; pytorch_model.bin is not read "
                        "because unpickling runs code)",
                        dense_weights.string()));
      }
      // The stored weight's shape is checked before the layer allocates anything.
      auto weights = SafetensorsFile::open(dense_weights);
      const auto* stored = weights.find("linear.weight");
      const std::vector<std::int64_t> expected{config.out_features, config.in_features};
      if (stored == nullptr || stored->shape != expected) {
        throw Error(fmt::format(
            "{}: linear.weight must have shape [{}, {}] as {} says, got {}", dense_weights.string(),
            config.out_features, config.in_features, file.string(),
            stored == nullptr ? std::string("no such tensor")
                              : fmt::format("[{}]", fmt::join(stored->shape, ", "))));
      }
      dense.linear = torch::nn::Linear(
          torch::nn::LinearOptions(config.in_features, config.out_features).bias(config.bias));
      torch::nn::Module holder;
      holder.register_module("linear", dense.linear);
      load_parameters(holder, weights, "", file.string(), options);
      if (impl->normalize) {
        throw Error(
            fmt::format("{}: a Dense module after Normalize is not supported", modules_origin));
      }
      width = config.out_features;
      impl->dense.push_back(std::move(dense));
    } else if (module.type == kNormalizeType) {
      impl->normalize = true;
    } else {
      throw Error(
          fmt::format("{}: module type '{}' is not supported; supported: Transformer, "
                      "Pooling, Dense, Normalize",
                      modules_origin, module.type));
    }
  }
  if (!have_pooling) {
    throw Error(fmt::format("{}: no Pooling module after the Transformer", modules_origin));
  }
  impl->encoder->eval();
  log::debug("loaded {} body from {}: {} dimensions", first_type, dir.string(), width);
  return std::shared_ptr<SentenceEncoder>(new SentenceEncoder(std::move(impl)));
}

at::Tensor SentenceEncoder::token_embeddings(const at::Tensor& input_ids,
                                             const at::Tensor& attention_mask,
                                             const at::Tensor& token_type_ids) {
  return impl_->encoder->forward({input_ids, attention_mask, token_type_ids});
}

at::Tensor SentenceEncoder::pool(const at::Tensor& tokens, const at::Tensor& attention_mask) {
  return impl_->pool(tokens, attention_mask);
}

at::Tensor SentenceEncoder::embed(const std::vector<std::string>& texts, std::size_t max_length) {
  auto encodings = impl_->tokenize(texts, max_length);
  std::vector<const Encoding*> pointers;
  for (const auto& e : encodings) pointers.push_back(&e);
  return impl_->forward(impl_->collate(pointers));
}

at::Tensor SentenceEncoder::encode(const std::vector<std::string>& texts,
                                   const EncodeOptions& options) {
  if (options.batch_size == 0) throw Error("encode: batch_size must be positive");
  const std::int64_t width = dimension();
  if (texts.empty()) return torch::empty({0, width});

  const bool was_training = impl_->training;
  train(false);
  torch::NoGradGuard no_grad;
  // One scope for every batch, so that each weight is cast to bf16 once per call.
  std::optional<detail::CpuAutocastScope> bf16;
  if (resolve_precision(options.precision) == Precision::Bf16) {
    if (impl_->device.is_cpu()) {
      bf16.emplace();
    } else {
      static std::atomic<bool> warned{false};
      if (!warned.exchange(true))
        log::warn("bf16: only CPU autocast is implemented; encoding on {} in fp32",
                  to_string(impl_->device));
    }
  }
  auto encodings = impl_->tokenize(texts, options.max_length);
  // Longest first, so each batch pads to a similar length; results go back in input order.
  std::vector<std::size_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return encodings[a].ids.size() > encodings[b].ids.size();
  });
  auto output = torch::empty({static_cast<std::int64_t>(texts.size()), width});
  for (std::size_t start = 0; start < order.size(); start += options.batch_size) {
    const std::size_t end = std::min(order.size(), start + options.batch_size);
    std::vector<const Encoding*> batch;
    std::vector<std::int64_t> rows;
    for (std::size_t i = start; i < end; ++i) {
      batch.push_back(&encodings[order[i]]);
      rows.push_back(static_cast<std::int64_t>(order[i]));
    }
    auto embeddings = impl_->forward(impl_->collate(batch));
    output.index_copy_(0, torch::tensor(rows, torch::kLong),
                       embeddings.to(torch::kCPU, torch::kFloat32));
    if (options.progress) options.progress(end, order.size());
  }
  if (options.normalize) {
    output = torch::nn::functional::normalize(
        output, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
  }
  train(was_training);
  return output;
}

std::vector<std::pair<std::string, at::Tensor>> SentenceEncoder::named_parameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : impl_->encoder->named_parameters(true))
    out.emplace_back(item.key(), item.value());
  for (std::size_t i = 0; i < impl_->dense.size(); ++i) {
    for (const auto& item : impl_->dense[i].linear->named_parameters(true)) {
      out.emplace_back(dense_parameter_prefix(i) + item.key(), item.value());
    }
  }
  return out;
}

std::vector<at::Tensor> SentenceEncoder::parameters() const {
  std::vector<at::Tensor> out;
  for (auto& [name, tensor] : named_parameters()) out.push_back(tensor);
  return out;
}

void SentenceEncoder::train(bool on) {
  impl_->training = on;
  impl_->encoder->train(on);
  for (auto& layer : impl_->dense) layer.linear->train(on);
}

bool SentenceEncoder::is_training() const {
  return impl_->training;
}

void SentenceEncoder::to(const Device& device) {
  runtime::check_device(device, "body");
  const auto target = detail::torch_device(device);
  impl_->encoder->to(target);
  for (auto& layer : impl_->dense) layer.linear->to(target);
  impl_->device = device;
}

Device SentenceEncoder::device() const {
  return impl_->device;
}
const Tokenizer& SentenceEncoder::tokenizer() const {
  return *impl_->tokenizer;
}
std::size_t SentenceEncoder::max_seq_length() const {
  return impl_->max_seq_length;
}

void SentenceEncoder::check_max_length(std::size_t max_length) const {
  impl_->check_max_length(max_length);
}

std::int64_t SentenceEncoder::dimension() const {
  if (!impl_->dense.empty()) return impl_->dense.back().config.out_features;
  return impl_->pooling.output_dimension();
}

void SentenceEncoder::set_static_token_limit(std::size_t limit) {
  if (limit == 0) throw Error("static_token_limit must be positive");
  impl_->static_token_limit = limit;
}

std::size_t SentenceEncoder::static_token_limit() const {
  return impl_->static_token_limit;
}

ModelInfo SentenceEncoder::info() const {
  ModelInfo info;
  info.path = impl_->dir;
  if (impl_->static_encoder) {
    info.architecture = "WordEmbeddings";
    info.modules.push_back(
        fmt::format("WordEmbeddings({} words, {})", impl_->static_encoder->vocab_size(),
                    impl_->static_encoder->trainable() ? "trainable" : "frozen"));
  } else {
    info.architecture =
        body::find_architecture(impl_->config.model_type, impl_->dir.string()).class_name;
    info.modules.push_back(fmt::format("Transformer({})", info.architecture));
  }
  info.modules.push_back(fmt::format("Pooling({})", fmt::join(impl_->pooling.mode_names(), "+")));
  for (const auto& layer : impl_->dense)
    info.modules.push_back(
        fmt::format("Dense({}->{})", layer.config.in_features, layer.config.out_features));
  if (impl_->normalize) info.modules.push_back("Normalize");
  info.hidden_size = impl_->token_width;
  info.layers = impl_->static_encoder ? 0 : impl_->config.num_hidden_layers;
  info.heads = impl_->static_encoder ? 0 : impl_->config.num_attention_heads;
  info.embedding_dimension = dimension();
  info.max_seq_length = impl_->max_seq_length;
  info.tokenizer = impl_->tokenizer->describe();
  for (const auto& p : parameters()) info.parameter_count += p.numel();
  return info;
}

namespace {

// The transformer's files at the top of the folder, as sentence-transformers writes them.
void save_transformer_files(const SentenceEncoder::Impl& impl, const fs::path& dir) {
  detail::write_json_file(dir / "config.json", impl.config_json);
  std::vector<std::pair<std::string, at::Tensor>> weights;
  for (const auto& item : impl.encoder->named_parameters(true))
    weights.emplace_back(item.key(), item.value());
  write_safetensors(dir / "model.safetensors", weights);
  const fs::path source = impl.dir / impl.modules.front().path;
  for (const char* name : kTokenizerFiles) {
    if (fs::exists(source / name) && !fs::equivalent(source, dir)) {
      fs::copy_file(source / name, dir / name, fs::copy_options::overwrite_existing);
    }
  }
  detail::write_json_file(
      dir / "sentence_bert_config.json",
      {{"max_seq_length", impl.max_seq_length}, {"do_lower_case", impl.do_lower_case}});
}

}  // namespace

void SentenceEncoder::save(const fs::path& dir) const {
  fs::create_directories(dir);
  nlohmann::json modules = nlohmann::json::array();
  if (impl_->static_encoder) {
    const fs::path module_dir = dir / "0_WordEmbeddings";
    fs::create_directories(module_dir);
    detail::write_json_file(module_dir / "wordembedding_config.json",
                            {{"tokenizer_class", kWhitespaceTokenizerClass},
                             {"update_embeddings", impl_->static_encoder->trainable()},
                             {"max_seq_length", impl_->max_seq_length}});
    const auto& words = static_cast<const text::WhitespaceTokenizer&>(*impl_->tokenizer);
    detail::write_json_file(module_dir / "whitespacetokenizer_config.json",
                            {{"vocab", words.vocab()},
                             {"stop_words", words.stop_words()},
                             {"do_lower_case", words.do_lower_case()}});
    if (words.split_compounds()) {
      detail::write_json_file(module_dir / "setfit_tokenizer.json", {{"split_compounds", true}});
    }
    std::vector<std::pair<std::string, at::Tensor>> weights;
    for (const auto& item : impl_->encoder->named_parameters(true))
      weights.emplace_back(item.key(), item.value());
    write_safetensors(module_dir / "model.safetensors", weights);
    modules.push_back(
        {{"idx", 0}, {"name", "0"}, {"path", "0_WordEmbeddings"}, {"type", kWordEmbeddingsType}});
  } else {
    save_transformer_files(*impl_, dir);
    modules.push_back({{"idx", 0}, {"name", "0"}, {"path", ""}, {"type", kTransformerType}});
  }
  fs::create_directories(dir / "1_Pooling");
  detail::write_json_file(dir / "1_Pooling" / "config.json", impl_->pooling.to_json());
  modules.push_back({{"idx", 1}, {"name", "1"}, {"path", "1_Pooling"}, {"type", kPoolingType}});
  int next = 2;
  for (const auto& layer : impl_->dense) {
    const std::string path = fmt::format("{}_Dense", next);
    fs::create_directories(dir / path);
    detail::write_json_file(dir / path / "config.json", layer.config.to_json());
    std::vector<std::pair<std::string, at::Tensor>> dense_weights;
    for (const auto& item : layer.linear->named_parameters(true)) {
      dense_weights.emplace_back("linear." + item.key(), item.value());
    }
    write_safetensors(dir / path / "model.safetensors", dense_weights);
    modules.push_back(
        {{"idx", next}, {"name", std::to_string(next)}, {"path", path}, {"type", kDenseType}});
    ++next;
  }
  if (impl_->normalize) {
    modules.push_back({{"idx", next},
                       {"name", std::to_string(next)},
                       {"path", fmt::format("{}_Normalize", next)},
                       {"type", kNormalizeType}});
  }
  detail::write_json_file(dir / "modules.json", modules);
  const fs::path st_config = impl_->dir / "config_sentence_transformers.json";
  if (fs::exists(st_config) && !fs::equivalent(impl_->dir, dir)) {
    fs::copy_file(st_config, dir / "config_sentence_transformers.json",
                  fs::copy_options::overwrite_existing);
  }
}

}  // namespace setfit
