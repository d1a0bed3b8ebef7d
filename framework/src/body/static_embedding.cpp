#include "static_embedding.hpp"

#include "modules_to_load.hpp"

namespace setfit::body {

StaticEmbeddingEncoder::StaticEmbeddingEncoder(std::int64_t vocab_size, std::int64_t dimension,
                                               bool trainable)
    : vocab_size_(vocab_size), dimension_(dimension), trainable_(trainable) {
  table_ = register_module("emb_layer", embedding_to_load(vocab_size, dimension));
  table_->weight.set_requires_grad(trainable);
}

torch::Tensor StaticEmbeddingEncoder::forward(const TransformerInputs& inputs) {
  return table_->forward(inputs.input_ids);
}

}  // namespace setfit::body
