#pragma once

// The transformer encoders behind sentence-transformers bodies, as LibTorch modules
// whose parameter names are exactly Hugging Face's state_dict keys.

#include <nlohmann/json.hpp>
#include <string>

#include "setfit/export.hpp"
#include "token_encoder.hpp"

namespace setfit::body {

// What config.json says about the encoder (the architectures share these fields).
struct SETFIT_API TransformerConfig {
  std::string model_type;  // an Architecture's model_type
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t intermediate_size = 0;
  std::string hidden_act = "gelu";
  std::int64_t max_position_embeddings = 512;
  std::int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  std::int64_t pad_token_id = 0;
  std::int64_t relative_attention_num_buckets = 32;

  // Reads and validates config.json; errors name the file and key.
  static TransformerConfig from_json(const nlohmann::json& json, const std::string& origin);
  // A lower bound on the encoder's parameter count: the word and position embeddings and,
  // per layer, the attention projections and the feed-forward weights, which every
  // supported architecture has. In double, so that absurd sizes cannot overflow.
  double minimum_parameters() const;
  nlohmann::json to_json() const;
};

class TransformerEncoder : public TokenEncoder {
 public:
  const TransformerConfig& config() const { return config_; }

 protected:
  explicit TransformerEncoder(TransformerConfig config) : config_(std::move(config)) {}
  TransformerConfig config_;
};

SETFIT_API std::shared_ptr<TransformerEncoder> make_encoder(const TransformerConfig& config);

// Pieces shared by the architectures.
torch::Tensor activation(const torch::Tensor& x, const std::string& name);
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
