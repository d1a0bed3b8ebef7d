#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/params.hpp"
#include "setfit/plugin.hpp"
#include "setfit/sentence_encoder.hpp"

namespace setfit {

class PluginRegistry;

// How a model is put together when it is not a saved SetFit model (or what to change
// when it is: labels and normalize_embeddings override the saved values when set).
struct ModelOptions {
  std::string head = "logistic_regression";  // a head plugin's name
  ParamMap head_params;
  // The label names, in the order of predict_proba's columns. Empty: taken from the
  // training data by the trainer.
  std::vector<std::string> labels;
  bool normalize_embeddings = false;
  // Multi-label data: "one-vs-rest", "multi-output" or "classifier-chain"; empty for
  // single-label data.
  std::string multi_target_strategy;
  // Static (word-embedding) bodies: tokens a text keeps unless a max_length is asked for.
  std::size_t static_token_limit = kStaticTokenLimit;
  // from_pretrained: the body's parameters use its weights file's pages instead of copies
  // (LoadOptions::map_weights): for inference.
  bool map_weights = false;
  // Where the body and a differentiable head live; heads fitted on fixed embeddings
  // (logistic regression) stay on the CPU, as scikit-learn's do.
  Device device;
};

// The multi-label strategies a model accepts (empty means single-label).
SETFIT_API const std::vector<std::string>& multi_target_strategies();

// A SetFit model: a sentence-transformers body, a head plugin, the label names and the
// settings that go with them. The Trainer trains it; save_pretrained writes it in a
// format that never executes code when loaded: the body in the sentence-transformers
// layout (loadable by Python sentence-transformers), the head's tensors in
// model_head.safetensors and everything else in config_setfit.json.
class SETFIT_API Model {
 public:
  // `dir` is a body folder (sentence-transformers layout or Hugging Face checkpoint) that
  // gets a new head from `options`, or a folder written by save_pretrained, which brings
  // its trained head, labels and settings. The registry creates head plugins and must
  // outlive the model's training (trained heads keep their plugin loaded themselves).
  static std::shared_ptr<Model> from_pretrained(const std::filesystem::path& dir,
                                                const PluginRegistry& registry,
                                                const ModelOptions& options = {});
  Model(std::shared_ptr<SentenceEncoder> body, const PluginRegistry& registry,
        ModelOptions options = {});
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Embeddings as the head sees them (normalised when normalize_embeddings is set), in
  // options.precision.
  at::Tensor encode(const std::vector<std::string>& texts, EncodeOptions options = {}) const;
  // Moves the body and a differentiable head to `device` (checked first).
  void to(const Device& device);
  Device device() const;
  // The precision predict_proba, predict and predict_multi_label encode in (default fp32).
  void set_precision(Precision precision);
  Precision precision() const;
  // [N, labels().size()] probabilities, columns in labels() order. Multi-label models
  // give each label's own probability.
  at::Tensor predict_proba(const std::vector<std::string>& texts) const;
  // Single-label models: the most probable label index / name per text.
  std::vector<std::int64_t> predict_indices(const std::vector<std::string>& texts) const;
  std::vector<std::string> predict(const std::vector<std::string>& texts) const;
  // Multi-label models: the labels whose probability is at least 0.5, per text.
  std::vector<std::vector<std::string>> predict_multi_label(
      const std::vector<std::string>& texts) const;

  // Writes body, head and config to `dir` (created; files replaced atomically one by one).
  void save_pretrained(const std::filesystem::path& dir) const;
  // Checks, before any training, that save_pretrained(dir) will succeed without mixing with
  // other files: `dir` is new (its nearest existing ancestor a folder), an empty folder, or a
  // folder save_pretrained wrote before (replaced). Throws setfit::Error naming it otherwise.
  static void check_save_target(const std::filesystem::path& dir);

  // (Re)creates the head for `labels` (from the plugin, untrained); the trainer calls
  // this before stage 2. Multi-label strategies wrap one head per label.
  void initialize_head(const std::vector<std::string>& labels);
  bool head_ready() const;
  // Whether the head plugin trains by gradients (known before the head exists).
  bool head_differentiable() const;

  std::shared_ptr<SentenceEncoder> body() const;
  std::shared_ptr<Head> head() const;
  const std::vector<std::string>& labels() const;
  bool normalize_embeddings() const;
  bool multi_label() const;
  const ModelOptions& options() const;
  // The head plugin's resolved parameters (defaults filled in) and version.
  const ParamMap& head_params() const;
  const std::string& head_version() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace setfit
