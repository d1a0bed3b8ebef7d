#pragma once

#include "token_encoder.hpp"

namespace setfit::body {

// sentence-transformers' WordEmbeddings: a lookup table ("emb_layer.weight"), row 0 the
// padding token. The table may be kept frozen (update_embeddings = false).
class StaticEmbeddingEncoder final : public TokenEncoder {
 public:
  StaticEmbeddingEncoder(std::int64_t vocab_size, std::int64_t dimension, bool trainable);
  torch::Tensor forward(const TransformerInputs& inputs) override;
  std::int64_t dimension() const { return dimension_; }
  std::int64_t vocab_size() const { return vocab_size_; }
  bool trainable() const { return trainable_; }

 private:
  std::int64_t vocab_size_, dimension_;
  bool trainable_;
  torch::nn::Embedding table_{nullptr};
};

}  // namespace setfit::body
