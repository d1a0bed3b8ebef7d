#pragma once

// The transformer encoders behind sentence-transformers bodies, as LibTorch modules
// whose parameter names are exactly Hugging Face's state_dict keys.

#include <nlohmann/json.hpp>
#include <string>

#include "setfit/export.hpp"
#include "token_encoder.hpp"
#include "transformer_config.hpp"

namespace setfit::body {

class TransformerEncoder : public TokenEncoder {
 public:
  const TransformerConfig& config() const { return config_; }

 protected:
  explicit TransformerEncoder(TransformerConfig config) : config_(std::move(config)) {}
  TransformerConfig config_;
};

SETFIT_API std::shared_ptr<TransformerEncoder> make_encoder(const TransformerConfig& config);

// Pieces shared by the architectures.
SETFIT_API torch::Tensor activation(const torch::Tensor& x, const std::string& name);
torch::nn::LayerNorm layer_norm(std::int64_t size, double eps);
// Additive mask [B, 1, 1, L]: 0 for real tokens, the float32 minimum for padding.
torch::Tensor additive_attention_mask(const torch::Tensor& attention_mask, torch::ScalarType type);
// Scaled dot-product attention over [B, L, H] projections split into `heads`; `bias`
// ([1 or B, heads, L, L]) may be undefined.
torch::Tensor multi_head_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, std::int64_t heads,
                                   const torch::Tensor& additive_mask, const torch::Tensor& bias,
                                   double dropout, bool training);

}  // namespace setfit::body
