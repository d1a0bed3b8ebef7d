#pragma once

#include "architecture.hpp"
#include "modules_to_load.hpp"
#include "transformer.hpp"

namespace setfit::body {

// transformers' MPNetModel: positions counted from padding_idx + 1, no token types, and
// one relative-position bias table shared by every layer.
class MPNetEncoder final : public TransformerEncoder {
 public:
  explicit MPNetEncoder(const TransformerConfig& config);
  torch::Tensor forward(const TransformerInputs& inputs) override;

  // Bucket of each relative position j - i, as MPNet's relative_position_bucket.
  static torch::Tensor relative_position_bucket(const torch::Tensor& relative_position,
                                                std::int64_t num_buckets,
                                                std::int64_t max_distance = 128);

 private:
  struct Layer {
    LinearToLoad q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
    torch::nn::LayerNorm attention_norm{nullptr};
    LinearToLoad intermediate{nullptr}, output{nullptr};
    torch::nn::LayerNorm output_norm{nullptr};
  };

  torch::nn::Embedding word_embeddings_{nullptr}, position_embeddings_{nullptr};
  torch::nn::LayerNorm embedding_norm_{nullptr};
  std::vector<Layer> layers_;
  torch::nn::Embedding relative_attention_bias_{nullptr};
  LinearToLoad pooler_{nullptr};
};

const Architecture& mpnet_architecture();

}  // namespace setfit::body
