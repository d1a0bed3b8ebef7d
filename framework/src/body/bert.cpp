#include "bert.hpp"

#include "modules_to_load.hpp"
#include "token_packing.hpp"

namespace setfit::body {
BertEncoder::BertEncoder(const TransformerConfig& config, Positions positions)
    : TransformerEncoder(config), positions_(positions) {
  const auto h = config.hidden_size;
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  word_embeddings_ =
      embeddings->register_module("word_embeddings", embedding_to_load(config.vocab_size, h));
  position_embeddings_ = embeddings->register_module(
      "position_embeddings", embedding_to_load(config.max_position_embeddings, h));
  if (config.type_vocab_size > 0) {
    token_type_embeddings_ = embeddings->register_module(
        "token_type_embeddings", embedding_to_load(config.type_vocab_size, h));
  }
  embedding_norm_ = embeddings->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));

  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  auto layer_list = encoder->register_module("layer", std::make_shared<torch::nn::Module>());
  for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
    auto block =
        layer_list->register_module(std::to_string(i), std::make_shared<torch::nn::Module>());
    auto attention = block->register_module("attention", std::make_shared<torch::nn::Module>());
    auto self = attention->register_module("self", std::make_shared<torch::nn::Module>());
    auto attention_out =
        attention->register_module("output", std::make_shared<torch::nn::Module>());
    auto intermediate =
        block->register_module("intermediate", std::make_shared<torch::nn::Module>());
    auto output = block->register_module("output", std::make_shared<torch::nn::Module>());
    Layer layer;
    layer.query = self->register_module("query", LinearToLoad(h, h));
    layer.key = self->register_module("key", LinearToLoad(h, h));
    layer.value = self->register_module("value", LinearToLoad(h, h));
    layer.attention_output = attention_out->register_module("dense", LinearToLoad(h, h));
    layer.attention_norm =
        attention_out->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));
    layer.intermediate =
        intermediate->register_module("dense", LinearToLoad(h, config.intermediate_size));
    layer.output = output->register_module("dense", LinearToLoad(config.intermediate_size, h));
    layer.output_norm = output->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));
    layers_.push_back(layer);
  }
  // Unused by sentence-transformers, kept so checkpoints load and save unchanged.
  auto pooler = register_module("pooler", std::make_shared<torch::nn::Module>());
  pooler_ = pooler->register_module("dense", LinearToLoad(h, h));
}

torch::Tensor BertEncoder::forward(const TransformerInputs& inputs) {
  const auto length = inputs.input_ids.size(1);
  const double hidden_dropout = config_.hidden_dropout_prob;
  const bool training = is_training();

  torch::Tensor positions;
  if (positions_ == Positions::FromZero) {
    positions = torch::arange(length, inputs.input_ids.options()).unsqueeze(0);
  } else {
    // fairseq's numbering, as transformers' create_position_ids_from_input_ids.
    auto real = inputs.input_ids.ne(config_.pad_token_id).to(torch::kLong);
    positions = torch::cumsum(real, 1) * real + config_.pad_token_id;
  }
  // Everything but attention runs on the real tokens alone ([T, H]).
  const TokenPacking tokens(inputs.attention_mask);
  auto x = word_embeddings_->forward(tokens.pack(inputs.input_ids)) +
           position_embeddings_->forward(tokens.pack(positions.expand_as(inputs.input_ids)));
  if (token_type_embeddings_) {
    auto types = inputs.token_type_ids.defined() ? inputs.token_type_ids
                                                 : torch::zeros_like(inputs.input_ids);
    x = x + token_type_embeddings_->forward(tokens.pack(types));
  }
  x = torch::dropout(embedding_norm_->forward(x), hidden_dropout, training);

  auto mask = additive_attention_mask(inputs.attention_mask, x.scalar_type());
  for (auto& layer : layers_) {
    auto context = tokens.pack(multi_head_attention(
        tokens.unpack(layer.query->forward(x)), tokens.unpack(layer.key->forward(x)),
        tokens.unpack(layer.value->forward(x)), config_.num_attention_heads, mask, torch::Tensor(),
        config_.attention_probs_dropout_prob, training));
    auto attended = layer.attention_norm->forward(
        torch::dropout(layer.attention_output->forward(context), hidden_dropout, training) + x);
    auto inner = activation(layer.intermediate->forward(attended), config_.hidden_act);
    x = layer.output_norm->forward(
        torch::dropout(layer.output->forward(inner), hidden_dropout, training) + attended);
  }
  return tokens.unpack(x);
}

const Architecture& bert_architecture() {
  static const Architecture architecture{
      .model_type = "bert",
      .class_name = "BertModel",
      .aliases = "BERT, MiniLM, BGE, GTE, E5",
      .tokenizer_class = "BertTokenizer",
      .weight_prefix = "bert.",
      .default_type_vocab_size = 2,
      .default_layer_norm_eps = 1e-12,
      .default_pad_token_id = 0,
      .keys = {},
      .reserved_positions = positions_from_zero,
      .write_config =
          [](const TransformerConfig& config, nlohmann::json& json) {
            json["type_vocab_size"] = config.type_vocab_size;
            json["position_embedding_type"] = "absolute";
          },
      .create = [](const TransformerConfig& config) -> std::shared_ptr<TransformerEncoder> {
        return std::make_shared<BertEncoder>(config);
      }};
  return architecture;
}

const Architecture& roberta_architecture() {
  // BERT's registration (config keys, saved config) with RoBERTa's defaults and positions.
  static const Architecture architecture = [] {
    Architecture a = bert_architecture();
    a.model_type = "roberta";
    a.class_name = "RobertaModel";
    a.aliases = "RoBERTa, all-distilroberta-v1, all-roberta-large-v1";
    a.tokenizer_class = "RobertaTokenizer";
    a.weight_prefix = "roberta.";
    a.default_type_vocab_size = 1;
    a.default_layer_norm_eps = 1e-5;
    a.default_pad_token_id = 1;
    a.reserved_positions = positions_after_padding;
    a.create = [](const TransformerConfig& config) -> std::shared_ptr<TransformerEncoder> {
      return std::make_shared<BertEncoder>(config, BertEncoder::Positions::AfterPadding);
    };
    return a;
  }();
  return architecture;
}

const Architecture& xlm_roberta_architecture() {
  static const Architecture architecture = [] {
    Architecture a = roberta_architecture();
    a.model_type = "xlm-roberta";
    a.class_name = "XLMRobertaModel";
    a.aliases = "XLM-R, paraphrase-multilingual, multilingual-e5";
    a.tokenizer_class = "XLMRobertaTokenizer";
    return a;
  }();
  return architecture;
}

}  // namespace setfit::body
