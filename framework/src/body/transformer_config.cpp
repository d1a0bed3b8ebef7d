#include "transformer_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

#include "../core/json_file.hpp"
#include "architecture.hpp"
#include "setfit/errors.hpp"

namespace setfit::body {

std::span<const std::string_view> supported_activation_names() {
  static constexpr std::array<std::string_view, 8> kNames = {
      "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh"};
  return kNames;
}

void check_activation_name(const std::string& name, const std::string& origin) {
  const auto names = supported_activation_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  throw Error(
      fmt::format("{}: hidden_act '{}' is not supported; supported: gelu, gelu_new, "
                  "gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh",
                  origin, name));
}

TransformerConfig TransformerConfig::from_json(const nlohmann::json& json,
                                               const std::string& origin) {
  using namespace setfit::detail;
  TransformerConfig c;
  c.model_type = json_string(json, "model_type", origin);
  const Architecture& architecture = find_architecture(c.model_type, origin);
  const ConfigKeyNames& keys = architecture.keys;
  c.vocab_size = json_int(json, "vocab_size", origin);
  c.hidden_size = json_int(json, keys.hidden_size, origin);
  c.num_hidden_layers = json_int(json, keys.num_hidden_layers, origin);
  c.num_attention_heads = json_int(json, keys.num_attention_heads, origin);
  c.intermediate_size = json_int(json, keys.intermediate_size, origin);
  c.hidden_act = json_string_or(json, keys.hidden_act, "gelu", origin);
  c.max_position_embeddings = json_int_or(json, "max_position_embeddings", 512, origin);
  c.type_vocab_size =
      json_int_or(json, "type_vocab_size", architecture.default_type_vocab_size, origin);
  c.layer_norm_eps =
      json_float_or(json, "layer_norm_eps", architecture.default_layer_norm_eps, origin);
  c.hidden_dropout_prob = json_float_or(json, keys.hidden_dropout_prob, 0.1, origin);
  c.attention_probs_dropout_prob =
      json_float_or(json, keys.attention_probs_dropout_prob, 0.1, origin);
  c.pad_token_id = json_int_or(json, "pad_token_id", architecture.default_pad_token_id, origin);
  c.relative_attention_num_buckets =
      json_int_or(json, "relative_attention_num_buckets", 32, origin);
  const std::string position_type =
      json_string_or(json, "position_embedding_type", "absolute", origin);
  if (position_type != "absolute") {
    throw Error(fmt::format("{}: position_embedding_type '{}' is not supported (only absolute)",
                            origin, position_type));
  }
  if (architecture.read_config != nullptr) architecture.read_config(json, c, origin);
  for (auto [key, value] : {std::pair{"vocab_size", c.vocab_size},
                            {keys.hidden_size, c.hidden_size},
                            {keys.num_hidden_layers, c.num_hidden_layers},
                            {keys.num_attention_heads, c.num_attention_heads},
                            {keys.intermediate_size, c.intermediate_size},
                            {"max_position_embeddings", c.max_position_embeddings}}) {
    if (value <= 0)
      throw Error(fmt::format("{}: key '{}' must be positive, got {}", origin, key, value));
  }
  if (c.hidden_size % c.num_attention_heads != 0) {
    throw Error(fmt::format("{}: {} {} is not a multiple of {} {}", origin, keys.hidden_size,
                            c.hidden_size, keys.num_attention_heads, c.num_attention_heads));
  }
  check_activation_name(c.hidden_act, origin);
  return c;
}

double TransformerConfig::minimum_parameters() const {
  const double h = static_cast<double>(hidden_size);
  const double per_layer = 4.0 * h * h + 2.0 * h * static_cast<double>(intermediate_size);
  return static_cast<double>(vocab_size) * h + static_cast<double>(max_position_embeddings) * h +
         static_cast<double>(num_hidden_layers) * per_layer;
}

nlohmann::json TransformerConfig::to_json() const {
  const Architecture& architecture = find_architecture(model_type, "config");
  const ConfigKeyNames& keys = architecture.keys;
  nlohmann::json j = {{"model_type", model_type},
                      {"architectures", {architecture.class_name}},
                      {"vocab_size", vocab_size},
                      {keys.hidden_size, hidden_size},
                      {keys.num_hidden_layers, num_hidden_layers},
                      {keys.num_attention_heads, num_attention_heads},
                      {keys.intermediate_size, intermediate_size},
                      {keys.hidden_act, hidden_act},
                      {"max_position_embeddings", max_position_embeddings},
                      {"layer_norm_eps", layer_norm_eps},
                      {keys.hidden_dropout_prob, hidden_dropout_prob},
                      {keys.attention_probs_dropout_prob, attention_probs_dropout_prob},
                      {"pad_token_id", pad_token_id}};
  architecture.write_config(*this, j);
  return j;
}

}  // namespace setfit::body
