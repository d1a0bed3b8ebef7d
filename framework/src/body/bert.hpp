#pragma once

#include "architecture.hpp"
#include "modules_to_load.hpp"
#include "transformer.hpp"

namespace setfit::body {

// transformers' BertModel (also MiniLM, BGE, GTE, E5): absolute positions, token types,
// post-LayerNorm blocks. Registered names follow BertModel.state_dict(). RobertaModel is the
// same module tree with other positions.
class BertEncoder final : public TransformerEncoder {
 public:
  // Absolute positions from 0 (BERT), or RoBERTa's: numbered from pad_token_id + 1 over the
  // real tokens, padding at pad_token_id.
  enum class Positions { FromZero, AfterPadding };
  explicit BertEncoder(const TransformerConfig& config, Positions positions = Positions::FromZero);
  torch::Tensor forward(const TransformerInputs& inputs) override;

 private:
  struct Layer {
    LinearToLoad query{nullptr}, key{nullptr}, value{nullptr};
    LinearToLoad attention_output{nullptr};
    torch::nn::LayerNorm attention_norm{nullptr};
    LinearToLoad intermediate{nullptr}, output{nullptr};
    torch::nn::LayerNorm output_norm{nullptr};
  };

  torch::nn::Embedding word_embeddings_{nullptr}, position_embeddings_{nullptr},
      token_type_embeddings_{nullptr};
  torch::nn::LayerNorm embedding_norm_{nullptr};
  std::vector<Layer> layers_;
  LinearToLoad pooler_{nullptr};
  Positions positions_;
};

const Architecture& bert_architecture();
// transformers' RobertaModel: BERT's encoder with RoBERTa's positions and one token type.
const Architecture& roberta_architecture();
// transformers' XLMRobertaModel: RoBERTa with its own vocabulary (sentencepiece).
const Architecture& xlm_roberta_architecture();

}  // namespace setfit::body
