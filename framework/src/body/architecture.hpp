#pragma once

// The transformer architectures a body can have, one registration each: what config.json
// calls it, the facts that differ between architectures, and how to build its encoder.
// Adding one (RoBERTa, XLM-RoBERTa, ...) is a new file that defines its
// encoder and its Architecture, and one entry in the table of architecture.cpp.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "setfit/export.hpp"

namespace setfit::body {

struct TransformerConfig;
class TransformerEncoder;

// config.json's names for the fields the architectures share: BERT's unless an architecture
// names them otherwise (DistilBERT: dim, n_layers, ...).
struct ConfigKeyNames {
  const char* hidden_size = "hidden_size";
  const char* num_hidden_layers = "num_hidden_layers";
  const char* num_attention_heads = "num_attention_heads";
  const char* intermediate_size = "intermediate_size";
  const char* hidden_act = "hidden_act";
  const char* hidden_dropout_prob = "hidden_dropout_prob";
  const char* attention_probs_dropout_prob = "attention_probs_dropout_prob";
};

struct Architecture {
  std::string model_type;       // config.json's "model_type", e.g. "bert"
  std::string class_name;       // transformers' class, e.g. "BertModel" (info, saved config)
  std::string aliases;          // model families that share it, for messages
  std::string tokenizer_class;  // when tokenizer_config.json names none
  std::string weight_prefix;    // a full checkpoint's prefix of the encoder's names, "bert."
  // config.json defaults that differ between architectures.
  std::int64_t default_type_vocab_size = 0;
  double default_layer_norm_eps = 1e-12;
  std::int64_t default_pad_token_id = 0;
  ConfigKeyNames keys;
  // Position embeddings the encoder cannot use for tokens (MPNet starts after the padding
  // index).
  std::int64_t (*reserved_positions)(const TransformerConfig& config) = nullptr;
  // Reads the architecture's own config.json keys (beside the shared ones); may be null.
  void (*read_config)(const nlohmann::json& json, TransformerConfig& config,
                      const std::string& origin) = nullptr;
  // Writes the architecture's own config.json keys (beside the shared ones).
  void (*write_config)(const TransformerConfig& config, nlohmann::json& json) = nullptr;
  std::shared_ptr<TransformerEncoder> (*create)(const TransformerConfig& config) = nullptr;
};

// Architecture::reserved_positions of those numbering positions from 0 (none reserved), and of
// those numbering them from pad_token_id + 1 as fairseq does (MPNet, RoBERTa).
std::int64_t positions_from_zero(const TransformerConfig& config);
std::int64_t positions_after_padding(const TransformerConfig& config);

// Every supported architecture, in the order messages list them. (Exported for the tests
// that check every entry.)
SETFIT_API const std::vector<Architecture>& architectures();
// The architecture of `model_type`; throws setfit::Error naming `origin` and listing the
// supported ones.
SETFIT_API const Architecture& find_architecture(const std::string& model_type,
                                                 const std::string& origin);

}  // namespace setfit::body
