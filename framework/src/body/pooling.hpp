#pragma once

#include <torch/torch.h>

#include "pooling_config.hpp"

namespace setfit::body {

// token_embeddings [B, L, H], attention_mask [B, L] -> [B, modes * H].
torch::Tensor pool(const PoolingConfig& config, const torch::Tensor& token_embeddings,
                   const torch::Tensor& attention_mask);

}  // namespace setfit::body
