#pragma once

#include <torch/torch.h>

namespace setfit::body {

struct TransformerInputs {
  torch::Tensor input_ids;       // [B, L] int64
  torch::Tensor attention_mask;  // [B, L] int64, 1 for real tokens
  torch::Tensor token_type_ids;  // [B, L] int64, or undefined
};

// The first module of a body: token ids in, one vector per token out.
class TokenEncoder : public torch::nn::Module {
 public:
  // Token embeddings [B, L, H] (a transformer's last hidden state).
  virtual torch::Tensor forward(const TransformerInputs& inputs) = 0;
};

}  // namespace setfit::body
