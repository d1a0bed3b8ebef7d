#pragma once

// What a transformer body's config.json says, read and checked without LibTorch (so the
// reader can be fuzzed on its own).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "setfit/export.hpp"

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
  bool sinusoidal_positions = false;  // DistilBERT: fixed position table, never trained

  // Reads and validates config.json; errors name the file and key.
  static TransformerConfig from_json(const nlohmann::json& json, const std::string& origin);
  // A lower bound on the encoder's parameter count: the word and position embeddings and,
  // per layer, the attention projections and the feed-forward weights, which every
  // supported architecture has. In double, so that absurd sizes cannot overflow.
  double minimum_parameters() const;
  nlohmann::json to_json() const;
};

// The hidden_act values activation() (transformer.hpp) implements.
SETFIT_API std::span<const std::string_view> supported_activation_names();
// Throws setfit::Error unless `name` is a hidden_act the encoders implement.
void check_activation_name(const std::string& name, const std::string& origin);

}  // namespace setfit::body
