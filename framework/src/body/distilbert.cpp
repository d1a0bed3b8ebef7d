#include "distilbert.hpp"

#include "../core/json_file.hpp"
#include "modules_to_load.hpp"
#include "token_packing.hpp"

namespace setfit::body {

DistilBertEncoder::DistilBertEncoder(const TransformerConfig& config) : TransformerEncoder(config) {
  const auto h = config.hidden_size;
  const double eps = config.layer_norm_eps;
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  word_embeddings_ =
      embeddings->register_module("word_embeddings", embedding_to_load(config.vocab_size, h));
  position_embeddings_ = embeddings->register_module(
      "position_embeddings", embedding_to_load(config.max_position_embeddings, h));
  // A sinusoidal table is in the checkpoint like a learned one, but never trained.
  if (config.sinusoidal_positions) position_embeddings_->weight.set_requires_grad(false);
  embedding_norm_ = embeddings->register_module("LayerNorm", layer_norm(h, eps));

  auto transformer = register_module("transformer", std::make_shared<torch::nn::Module>());
  auto layer_list = transformer->register_module("layer", std::make_shared<torch::nn::Module>());
  for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
    auto block =
        layer_list->register_module(std::to_string(i), std::make_shared<torch::nn::Module>());
    auto attention = block->register_module("attention", std::make_shared<torch::nn::Module>());
    auto ffn = block->register_module("ffn", std::make_shared<torch::nn::Module>());
    Layer layer;
    layer.query = attention->register_module("q_lin", LinearToLoad(h, h));
    layer.key = attention->register_module("k_lin", LinearToLoad(h, h));
    layer.value = attention->register_module("v_lin", LinearToLoad(h, h));
    layer.attention_output = attention->register_module("out_lin", LinearToLoad(h, h));
    layer.attention_norm = block->register_module("sa_layer_norm", layer_norm(h, eps));
    layer.inner = ffn->register_module("lin1", LinearToLoad(h, config.intermediate_size));
    layer.output = ffn->register_module("lin2", LinearToLoad(config.intermediate_size, h));
    layer.output_norm = block->register_module("output_layer_norm", layer_norm(h, eps));
    layers_.push_back(layer);
  }
}

torch::Tensor DistilBertEncoder::forward(const TransformerInputs& inputs) {
  const auto length = inputs.input_ids.size(1);
  const double dropout = config_.hidden_dropout_prob;
  const bool training = is_training();

  auto positions = torch::arange(length, inputs.input_ids.options()).unsqueeze(0);
  // Everything but attention runs on the real tokens alone ([T, H]).
  const TokenPacking tokens(inputs.attention_mask);
  auto x = word_embeddings_->forward(tokens.pack(inputs.input_ids)) +
           position_embeddings_->forward(tokens.pack(positions.expand_as(inputs.input_ids)));
  x = torch::dropout(embedding_norm_->forward(x), dropout, training);

  // DistilBERT fills masked scores with the float minimum rather than adding it: the same
  // probabilities, since every row keeps at least its first token.
  auto mask = additive_attention_mask(inputs.attention_mask, x.scalar_type());
  for (auto& layer : layers_) {
    auto context = tokens.pack(multi_head_attention(
        tokens.unpack(layer.query->forward(x)), tokens.unpack(layer.key->forward(x)),
        tokens.unpack(layer.value->forward(x)), config_.num_attention_heads, mask, torch::Tensor(),
        config_.attention_probs_dropout_prob, training));
    auto attended = layer.attention_norm->forward(layer.attention_output->forward(context) + x);
    auto inner = activation(layer.inner->forward(attended), config_.hidden_act);
    x = layer.output_norm->forward(torch::dropout(layer.output->forward(inner), dropout, training) +
                                   attended);
  }
  return tokens.unpack(x);
}

const Architecture& distilbert_architecture() {
  static const Architecture architecture{
      .model_type = "distilbert",
      .class_name = "DistilBertModel",
      .aliases = "DistilBERT, msmarco-distilbert, distiluse",
      .tokenizer_class = "DistilBertTokenizer",
      .weight_prefix = "distilbert.",
      .default_type_vocab_size = 0,
      .default_layer_norm_eps = 1e-12,
      .default_pad_token_id = 0,
      .keys = {.hidden_size = "dim",
               .num_hidden_layers = "n_layers",
               .num_attention_heads = "n_heads",
               .intermediate_size = "hidden_dim",
               .hidden_act = "activation",
               .hidden_dropout_prob = "dropout",
               .attention_probs_dropout_prob = "attention_dropout"},
      .reserved_positions = positions_from_zero,
      .read_config =
          [](const nlohmann::json& json, TransformerConfig& config, const std::string& origin) {
            config.sinusoidal_positions =
                detail::json_bool_or(json, "sinusoidal_pos_embds", false, origin);
          },
      .write_config =
          [](const TransformerConfig& config, nlohmann::json& json) {
            json["sinusoidal_pos_embds"] = config.sinusoidal_positions;
          },
      .create = [](const TransformerConfig& config) -> std::shared_ptr<TransformerEncoder> {
        return std::make_shared<DistilBertEncoder>(config);
      }};
  return architecture;
}

}  // namespace setfit::body
