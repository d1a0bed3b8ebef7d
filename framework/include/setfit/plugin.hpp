#pragma once

// The plugin SDK: the three stage interfaces (Loss, Head, Sampler), the record a
// plugin describes itself with, the ABI stamp, and SETFIT_PLUGIN, the one macro a
// plugin source uses to export itself. See docs/plugin-guide.md.
//
// Tensors appear only by reference or by value in declarations, so this header
// forward-declares at::Tensor and stays cheap to include; implementations include
// <torch/torch.h> themselves.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/params.hpp"

// LibTorch's version macros only, not <torch/torch.h>.
#include <torch/version.h>
#define SETFIT_TORCH_VERSION TORCH_VERSION

namespace at {
class Tensor;
}

// Bumped whenever an interface below, PluginInfo, Params or ParamSpec changes layout
// or meaning. A plugin stamped with another value is refused before any other symbol
// is touched.
#define SETFIT_PLUGIN_ABI_VERSION 5

#if defined(__clang__)
#define SETFIT_COMPILER_ID "Clang"
#define SETFIT_COMPILER_MAJOR __clang_major__
#elif defined(__GNUC__)
#define SETFIT_COMPILER_ID "GNU"
#define SETFIT_COMPILER_MAJOR __GNUC__
#else
#error "setfit plugins are built with GCC or Clang"
#endif

extern "C" {
// What a plugin was built against. Plain C so that its layout never depends on the
// things it guards; fields are only ever appended.
struct setfit_abi_stamp {
  std::uint32_t abi_version;
  const char* torch_version;
  const char* compiler_id;
  std::uint32_t compiler_major;
};
}

namespace setfit {

enum class PluginKind { Loss, Head, Sampler };

SETFIT_API std::string_view to_string(PluginKind kind);
// Parses "loss", "head" or "sampler"; throws UsageError otherwise.
SETFIT_API PluginKind plugin_kind_from_string(std::string_view text);

// How a plugin describes itself; read without creating any object.
struct PluginInfo {
  PluginKind kind = PluginKind::Loss;
  std::string name;         // what configs refer to, e.g. "CosineSimilarityLoss"
  std::string version;      // the plugin's own version, recorded with every run
  std::string description;  // one line
  ParamSchema params;
};

// Base of every object a plugin creates; its virtual destructor runs inside the
// plugin library, which the framework keeps loaded until the object is gone.
class SETFIT_API Component {
 public:
  virtual ~Component();
};

// What a loss consumes, so the trainer can choose the sampler that feeds it.
enum class LossInput {
  Pairs,          // (u, v, target in [0, 1]) from a pair sampler
  PositivePairs,  // (anchor, positive); other in-batch examples act as negatives
  LabelledBatch,  // (embeddings, labels) from label-grouped batches
};

class SETFIT_API Loss : public Component {
 public:
  ~Loss() override;
  virtual LossInput input() const = 0;
  // Pairs and PositivePairs: `first` and `second` are [B, D] embeddings, `target` is
  // [B]. LabelledBatch: `first` is [B, D], `second` is undefined, `target` holds the
  // [B] integer labels. Returns a scalar that stays attached to the graph.
  virtual at::Tensor forward(const at::Tensor& first, const at::Tensor& second,
                             const at::Tensor& target) = 0;
  // Trainable tensors owned by the loss itself; most losses have none.
  virtual std::vector<at::Tensor> parameters();
};

class SETFIT_API Head : public Component {
 public:
  ~Head() override;
  // Differentiable heads train with gradients (and can train end to end with the
  // body); the others are fitted once on fixed embeddings.
  virtual bool differentiable() const = 0;
  // Called once before training: input width and number of classes (or labels for
  // multi-label data).
  virtual void initialize(std::int64_t embedding_dim, std::int64_t num_classes) = 0;
  // Non-differentiable heads: fit on embeddings [N, D] and class indices [N].
  virtual void fit(const at::Tensor& embeddings, const at::Tensor& labels) = 0;
  // Raw scores [N, C]; differentiable heads keep the autograd graph.
  virtual at::Tensor forward(const at::Tensor& embeddings) = 0;
  // Class probabilities [N, C], columns in the model's label order.
  virtual at::Tensor predict_proba(const at::Tensor& embeddings) = 0;
  // Training loss of a differentiable head for scores from forward().
  virtual at::Tensor loss(const at::Tensor& scores, const at::Tensor& labels) = 0;
  virtual std::vector<at::Tensor> parameters() = 0;
  // The fitted state as named tensors, which save_pretrained writes to safetensors, and
  // its inverse. load_state() is called after initialize() with the saved sizes and must
  // reject tensors whose names or shapes do not match.
  virtual std::vector<std::pair<std::string, at::Tensor>> state() = 0;
  virtual void load_state(const std::vector<std::pair<std::string, at::Tensor>>& state) = 0;
};

// One sentence pair: indices into the training examples and the pair's target.
struct SamplePair {
  std::int64_t first = 0;
  std::int64_t second = 0;
  float target = 0.0f;
};

// What a sampler draws from: the label indices of every training example (one per
// example for single-label data, several for multi-label data).
struct SamplingRequest {
  std::vector<std::vector<std::int64_t>> labels;
  std::int64_t num_iterations = 0;  // > 0 overrides the strategy's pair counts
  std::int64_t max_pairs = -1;      // > 0 caps the number of pairs
  std::uint64_t seed = 42;
  std::int64_t batch_size = 16;  // examples per batch, for samplers that yield batches
};

class SETFIT_API Sampler : public Component {
 public:
  ~Sampler() override;
  // Whether this sampler yields label-grouped batches (for LabelledBatch losses) rather
  // than pairs.
  virtual bool yields_batches() const;
  virtual std::vector<SamplePair> sample(const SamplingRequest& request) = 0;
  // Batches of example indices, for samplers that yield batches; the default throws.
  virtual std::vector<std::vector<std::int64_t>> batches(const SamplingRequest& request);
};

// For Head::load_state(): copies every tensor of `state` into the target of the same
// name, converting the dtype. Throws setfit::Error for a missing, unexpected or
// differently shaped tensor.
SETFIT_API void assign_state(const std::vector<std::pair<std::string, at::Tensor>>& state,
                             const std::vector<std::pair<std::string, at::Tensor*>>& targets);

// The stamp of the running framework, for comparison with a plugin's.
SETFIT_API const setfit_abi_stamp& host_abi_stamp();
// The same as SETFIT_ABI_TEXT compiled into the framework.
SETFIT_API std::string_view host_abi_text();

}  // namespace setfit

#define SETFIT_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

// The stamp as text, e.g. "plugin ABI 5, LibTorch 1.13.0, GNU 12". A plugin also carries it
// in an ELF section of its own, which the loader reads from the file before loading it:
// loading runs a library's static initialisers, so a plugin built for another ABI must be
// refused before that.
#define SETFIT_ABI_STRINGIFY_(x) #x
#define SETFIT_ABI_STRINGIFY(x) SETFIT_ABI_STRINGIFY_(x)
#define SETFIT_ABI_TEXT                                                              \
  "plugin ABI " SETFIT_ABI_STRINGIFY(                                                \
      SETFIT_PLUGIN_ABI_VERSION) ", LibTorch " TORCH_VERSION ", " SETFIT_COMPILER_ID \
                                 " " SETFIT_ABI_STRINGIFY(SETFIT_COMPILER_MAJOR)
#define SETFIT_ABI_SECTION ".setfit_abi"

// The ABI stamp alone: the section and the entry point that returns the stamp.
#define SETFIT_PLUGIN_ABI_STAMP()                                                                 \
  __attribute__((section(SETFIT_ABI_SECTION), used)) static const char setfit_plugin_abi_text[] = \
      SETFIT_ABI_TEXT;                                                                            \
  SETFIT_PLUGIN_EXPORT const setfit_abi_stamp* setfit_plugin_abi() {                              \
    static const setfit_abi_stamp stamp{SETFIT_PLUGIN_ABI_VERSION, SETFIT_TORCH_VERSION,          \
                                        SETFIT_COMPILER_ID, SETFIT_COMPILER_MAJOR};               \
    return &stamp;                                                                                \
  }

// Exports the class as a plugin. The class needs a static `PluginInfo info()` and a
// constructor taking `const setfit::Params&` (validated against info().params).
// The ABI stamp records the versions this translation unit was compiled with.
#define SETFIT_PLUGIN(PluginClass)                                                        \
  SETFIT_PLUGIN_ABI_STAMP()                                                               \
  SETFIT_PLUGIN_EXPORT const setfit::PluginInfo* setfit_plugin_info() {                   \
    static const setfit::PluginInfo info = PluginClass::info();                           \
    return &info;                                                                         \
  }                                                                                       \
  SETFIT_PLUGIN_EXPORT setfit::Component* setfit_plugin_create(const setfit::Params& p) { \
    return new PluginClass(p);                                                            \
  }
