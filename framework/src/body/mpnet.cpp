#include "mpnet.hpp"

#include <cmath>

#include "modules_to_load.hpp"
#include "token_packing.hpp"

namespace setfit::body {
MPNetEncoder::MPNetEncoder(const TransformerConfig& config) : TransformerEncoder(config) {
  const auto h = config.hidden_size;
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  word_embeddings_ =
      embeddings->register_module("word_embeddings", embedding_to_load(config.vocab_size, h));
  position_embeddings_ = embeddings->register_module(
      "position_embeddings", embedding_to_load(config.max_position_embeddings, h));
  embedding_norm_ = embeddings->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));

  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  auto layer_list = encoder->register_module("layer", std::make_shared<torch::nn::Module>());
  for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
    auto block =
        layer_list->register_module(std::to_string(i), std::make_shared<torch::nn::Module>());
    auto attention = block->register_module("attention", std::make_shared<torch::nn::Module>());
    auto attn = attention->register_module("attn", std::make_shared<torch::nn::Module>());
    auto intermediate =
        block->register_module("intermediate", std::make_shared<torch::nn::Module>());
    auto output = block->register_module("output", std::make_shared<torch::nn::Module>());
    Layer layer;
    layer.q = attn->register_module("q", LinearToLoad(h, h));
    layer.k = attn->register_module("k", LinearToLoad(h, h));
    layer.v = attn->register_module("v", LinearToLoad(h, h));
    layer.o = attn->register_module("o", LinearToLoad(h, h));
    layer.attention_norm =
        attention->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));
    layer.intermediate =
        intermediate->register_module("dense", LinearToLoad(h, config.intermediate_size));
    layer.output = output->register_module("dense", LinearToLoad(config.intermediate_size, h));
    layer.output_norm = output->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));
    layers_.push_back(layer);
  }
  relative_attention_bias_ = encoder->register_module(
      "relative_attention_bias",
      embedding_to_load(config.relative_attention_num_buckets, config.num_attention_heads));
  auto pooler = register_module("pooler", std::make_shared<torch::nn::Module>());
  pooler_ = pooler->register_module("dense", LinearToLoad(h, h));
}

torch::Tensor MPNetEncoder::relative_position_bucket(const torch::Tensor& relative_position,
                                                     std::int64_t num_buckets,
                                                     std::int64_t max_distance) {
  auto n = -relative_position;
  num_buckets /= 2;
  auto bucket = (n < 0).to(torch::kLong) * num_buckets;
  n = n.abs();
  const std::int64_t max_exact = num_buckets / 2;
  auto is_small = n < max_exact;
  // float32 tensor maths with double scalars, as the Python reference computes it.
  auto large = max_exact + (torch::log(n.to(torch::kFloat32) / max_exact) /
                            std::log(static_cast<double>(max_distance) / max_exact) *
                            static_cast<double>(num_buckets - max_exact))
                               .to(torch::kLong);
  large = torch::minimum(large, torch::full_like(large, num_buckets - 1));
  return bucket + torch::where(is_small, n, large);
}

torch::Tensor MPNetEncoder::forward(const TransformerInputs& inputs) {
  const auto length = inputs.input_ids.size(1);
  const double hidden_dropout = config_.hidden_dropout_prob;
  const bool training = is_training();

  // Real tokens take positions pad+1, pad+2, ...; padding takes pad.
  auto not_pad = inputs.input_ids.ne(config_.pad_token_id).to(torch::kLong);
  auto positions = torch::cumsum(not_pad, 1) * not_pad + config_.pad_token_id;
  // Everything but attention runs on the real tokens alone ([T, H]).
  const TokenPacking tokens(inputs.attention_mask);
  auto x = word_embeddings_->forward(tokens.pack(inputs.input_ids)) +
           position_embeddings_->forward(tokens.pack(positions));
  x = torch::dropout(embedding_norm_->forward(x), hidden_dropout, training);

  // One bias from arange(length), shared by every layer: [1, heads, L, L].
  auto context_position = torch::arange(length, torch::kLong).unsqueeze(1);
  auto memory_position = torch::arange(length, torch::kLong).unsqueeze(0);
  auto buckets = relative_position_bucket(memory_position - context_position,
                                          config_.relative_attention_num_buckets);
  auto bias = relative_attention_bias_->forward(buckets.to(inputs.input_ids.device()))
                  .permute({2, 0, 1})
                  .unsqueeze(0);

  auto mask = additive_attention_mask(inputs.attention_mask, x.scalar_type());
  for (auto& layer : layers_) {
    auto context = tokens.pack(
        multi_head_attention(tokens.unpack(layer.q->forward(x)), tokens.unpack(layer.k->forward(x)),
                             tokens.unpack(layer.v->forward(x)), config_.num_attention_heads, mask,
                             bias, config_.attention_probs_dropout_prob, training));
    auto attended = layer.attention_norm->forward(
        torch::dropout(layer.o->forward(context), hidden_dropout, training) + x);
    auto inner = activation(layer.intermediate->forward(attended), config_.hidden_act);
    x = layer.output_norm->forward(
        torch::dropout(layer.output->forward(inner), hidden_dropout, training) + attended);
  }
  return tokens.unpack(x);
}

const Architecture& mpnet_architecture() {
  static const Architecture architecture{
      .model_type = "mpnet",
      .class_name = "MPNetModel",
      .aliases = "all-mpnet-base-v2, paraphrase-mpnet",
      .tokenizer_class = "MPNetTokenizer",
      .weight_prefix = "mpnet.",
      .default_type_vocab_size = 0,
      .default_layer_norm_eps = 1e-5,
      .default_pad_token_id = 1,
      .keys = {},
      .reserved_positions = positions_after_padding,
      .write_config =
          [](const TransformerConfig& config, nlohmann::json& json) {
            json["relative_attention_num_buckets"] = config.relative_attention_num_buckets;
          },
      .create = [](const TransformerConfig& config) -> std::shared_ptr<TransformerEncoder> {
        return std::make_shared<MPNetEncoder>(config);
      }};
  return architecture;
}

}  // namespace setfit::body
