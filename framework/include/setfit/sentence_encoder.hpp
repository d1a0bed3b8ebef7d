#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "setfit/device.hpp"
#include "setfit/export.hpp"
#include "setfit/tokenizer.hpp"

namespace at {
class Tensor;
}

namespace setfit {

// Inference precision. bf16 runs the body's matmuls in bfloat16 (CPU autocast; weights stay
// float32, outputs are float32): about twice as fast where the CPU has native bf16 (AVX-512
// BF16 or AMX), with every embedding's cosine to the fp32 one above 0.999. Auto is bf16 where
// native, fp32 elsewhere; Bf16 on a CPU without native bf16 warns and encodes in fp32.
enum class Precision { Fp32, Bf16, Auto };
SETFIT_API const char* to_string(Precision precision);
// "fp32", "bf16" or "auto"; throws UsageError naming the values otherwise.
SETFIT_API Precision parse_precision(const std::string& text);
// What `precision` means on this machine: Fp32 or Bf16 (warns once for Bf16 without native
// bf16).
SETFIT_API Precision resolve_precision(Precision precision);

struct EncodeOptions {
  std::size_t batch_size = 32;
  // L2-normalise the embeddings (in addition to any Normalize module of the model).
  bool normalize = false;
  // Truncation length in tokens; 0: the model's max_seq_length.
  std::size_t max_length = 0;
  Precision precision = Precision::Fp32;
  // Called after each batch with (texts done, texts in all).
  std::function<void(std::size_t, std::size_t)> progress;
};

// Where static (word-embedding) bodies truncate texts by default unless a max_length is asked
// for: they have no position table and pad a batch to its longest text, so one huge text
// would otherwise need gigabytes. A warning says when it happens; a model sets another limit
// with ModelOptions::static_token_limit (`model.static_token_limit` in a config).
inline constexpr std::size_t kStaticTokenLimit = 16384;

// How SentenceEncoder::load gets a body's weights.
struct LoadOptions {
  // The parameters use the weights files' pages (a private, copy-on-write mapping:
  // SafetensorsFile::share_into) instead of copies: no fresh memory is written while loading,
  // and processes that load the same body share its pages. Meant for inference (encode,
  // predict). Training such a body works, but its first step copies every page it writes,
  // 4 KB at a time. The files must not be rewritten in place while the body lives.
  bool map_weights = false;
};

// What `setfit model info` prints.
struct ModelInfo {
  std::filesystem::path path;
  std::string architecture;          // "BertModel", "MPNetModel"
  std::vector<std::string> modules;  // e.g. "Transformer", "Pooling(mean)", "Normalize"
  std::int64_t hidden_size = 0;
  std::int64_t layers = 0;
  std::int64_t heads = 0;
  std::int64_t embedding_dimension = 0;
  std::size_t max_seq_length = 0;
  std::string tokenizer;
  std::int64_t parameter_count = 0;
};

// A sentence-transformers body loaded from a model folder (modules.json with
// Transformer, Pooling, optional Dense and Normalize; or a plain Hugging Face checkpoint,
// which means Transformer + mean pooling). Parameter names are Hugging Face's.
class SETFIT_API SentenceEncoder {
 public:
  // Throws setfit::Error naming the file and what is wrong with it.
  static std::shared_ptr<SentenceEncoder> load(const std::filesystem::path& dir,
                                               const LoadOptions& options = {});
  // check_max_length for the body in model folder `dir`, read from its config files alone: for
  // checking a length before anything is loaded.
  static void check_max_length(const std::filesystem::path& dir, std::size_t max_length);
  ~SentenceEncoder();
  SentenceEncoder(const SentenceEncoder&) = delete;
  SentenceEncoder& operator=(const SentenceEncoder&) = delete;

  // The transformer's last hidden state [B, L, H] for given ids and mask [B, L]
  // (`token_type_ids` may be undefined).
  at::Tensor token_embeddings(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                              const at::Tensor& token_type_ids);
  // Pooling, then Dense and Normalize when the model has them: [B, dimension()].
  at::Tensor pool(const at::Tensor& token_embeddings, const at::Tensor& attention_mask);
  // Tokenise (stripped, padded to the longest, truncated) and embed, keeping the graph
  // when grad mode is on: the training path. The result is on device().
  at::Tensor embed(const std::vector<std::string>& texts, std::size_t max_length = 0);
  // Inference: eval mode, no grad, batches of similar lengths, input order kept. The
  // embeddings come back on the CPU whatever the body's device.
  at::Tensor encode(const std::vector<std::string>& texts, const EncodeOptions& options = {});

  std::vector<std::pair<std::string, at::Tensor>> named_parameters() const;
  std::vector<at::Tensor> parameters() const;
  void train(bool on);
  bool is_training() const;
  // Moves every weight to `device` (runtime::check_device first); token ids follow.
  void to(const Device& device);
  Device device() const;

  const Tokenizer& tokenizer() const;
  std::int64_t dimension() const;
  std::size_t max_seq_length() const;
  // Throws setfit::Error if texts cannot be truncated to `max_length` tokens (0: the
  // max_seq_length) because the model's position table is shorter; embed and encode check
  // it, a trainer checks it before training.
  void check_max_length(std::size_t max_length) const;
  // Static bodies only (transformers stop at their position table): the tokens a text keeps
  // when no max_length is asked for. Must be positive.
  void set_static_token_limit(std::size_t limit);
  std::size_t static_token_limit() const;
  ModelInfo info() const;

  // Writes the sentence-transformers layout (loadable by Python sentence-transformers).
  void save(const std::filesystem::path& dir) const;

  struct Impl;  // implementation detail, defined in sentence_encoder.cpp

 private:
  explicit SentenceEncoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace setfit
