#pragma once

#include "architecture.hpp"
#include "modules_to_load.hpp"
#include "transformer.hpp"

namespace setfit::body {

// transformers' DistilBertModel: BERT's post-LayerNorm blocks under other names
// (transformer.layer.N.attention.q_lin, sa_layer_norm, ffn.lin1, output_layer_norm), absolute
// positions, no token types, no pooler, no dropout after the attention's output projection.
// Registered names follow DistilBertModel.state_dict().
class DistilBertEncoder final : public TransformerEncoder {
 public:
  explicit DistilBertEncoder(const TransformerConfig& config);
  torch::Tensor forward(const TransformerInputs& inputs) override;

 private:
  struct Layer {
    LinearToLoad query{nullptr}, key{nullptr}, value{nullptr}, attention_output{nullptr};
    torch::nn::LayerNorm attention_norm{nullptr};
    LinearToLoad inner{nullptr}, output{nullptr};
    torch::nn::LayerNorm output_norm{nullptr};
  };

  torch::nn::Embedding word_embeddings_{nullptr}, position_embeddings_{nullptr};
  torch::nn::LayerNorm embedding_norm_{nullptr};
  std::vector<Layer> layers_;
};

const Architecture& distilbert_architecture();

}  // namespace setfit::body
