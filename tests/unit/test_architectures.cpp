// The architecture table: every registered architecture reads a minimal config.json,
// builds its encoder, writes a config that reads back the same, and an unknown
// model_type names every supported one.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "../../framework/src/body/architecture.hpp"
#include "../../framework/src/body/transformer.hpp"
#include "setfit/errors.hpp"
#include "test_support.hpp"

namespace setfit::body {
namespace {

using test::contains;

// In the architecture's own key names (DistilBERT's dim, n_layers, ...).
nlohmann::json minimal_config(const std::string& model_type) {
  ConfigKeyNames keys;
  for (const auto& architecture : architectures())
    if (architecture.model_type == model_type) keys = architecture.keys;
  return {{"model_type", model_type},     {"vocab_size", 30},
          {keys.hidden_size, 8},          {keys.num_hidden_layers, 1},
          {keys.num_attention_heads, 2},  {keys.intermediate_size, 16},
          {"max_position_embeddings", 16}};
}

TEST(Architectures, EachBuildsItsEncoderAndRoundTripsItsConfig) {
  std::set<std::string> types, classes;
  for (const auto& architecture : architectures()) {
    SCOPED_TRACE(architecture.model_type);
    EXPECT_TRUE(types.insert(architecture.model_type).second);
    EXPECT_TRUE(classes.insert(architecture.class_name).second);
    const auto config = TransformerConfig::from_json(minimal_config(architecture.model_type), "c");
    EXPECT_EQ(config.pad_token_id, architecture.default_pad_token_id);
    EXPECT_EQ(config.type_vocab_size, architecture.default_type_vocab_size);
    const auto written = config.to_json();
    EXPECT_EQ(written["architectures"][0], architecture.class_name);
    EXPECT_EQ(TransformerConfig::from_json(written, "c").to_json(), written);
    auto encoder = make_encoder(config);
    ASSERT_NE(encoder, nullptr);
    EXPECT_FALSE(encoder->parameters().empty());
    EXPECT_GE(config.max_position_embeddings - architecture.reserved_positions(config), 1);
  }
}

TEST(Architectures, DistilBertReadsAndWritesItsOwnKeyNames) {
  auto json = minimal_config("distilbert");
  json["activation"] = "relu";
  json["dropout"] = 0.2;
  json["attention_dropout"] = 0.3;
  const auto config = TransformerConfig::from_json(json, "c");
  EXPECT_EQ(config.hidden_size, 8);
  EXPECT_EQ(config.num_hidden_layers, 1);
  EXPECT_EQ(config.num_attention_heads, 2);
  EXPECT_EQ(config.intermediate_size, 16);
  EXPECT_EQ(config.hidden_act, "relu");
  EXPECT_DOUBLE_EQ(config.hidden_dropout_prob, 0.2);
  EXPECT_DOUBLE_EQ(config.attention_probs_dropout_prob, 0.3);
  const auto written = config.to_json();
  EXPECT_EQ(written["dim"], 8);
  EXPECT_EQ(written["hidden_dim"], 16);
  EXPECT_FALSE(written.contains("hidden_size"));
  // BERT's names are not DistilBERT's: the error names the key the file lacks.
  auto bert_named = minimal_config("bert");
  bert_named["model_type"] = "distilbert";
  try {
    TransformerConfig::from_json(bert_named, "d/config.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "d/config.json: missing key 'dim'")) << e.what();
  }
  json["n_heads"] = 3;
  try {
    TransformerConfig::from_json(json, "d/config.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "dim 8 is not a multiple of n_heads 3")) << e.what();
  }
}

TEST(Architectures, DistilBertsSinusoidalPositionTableIsNotTrained) {
  auto json = minimal_config("distilbert");
  json["sinusoidal_pos_embds"] = true;
  const auto config = TransformerConfig::from_json(json, "c");
  EXPECT_TRUE(config.sinusoidal_positions);
  EXPECT_EQ(config.to_json()["sinusoidal_pos_embds"], true);
  for (auto& item : make_encoder(config)->named_parameters(true)) {
    EXPECT_EQ(item.value().requires_grad(), item.key() != "embeddings.position_embeddings.weight")
        << item.key();
  }
}

TEST(Architectures, AnUnknownModelTypeListsTheSupportedOnes) {
  try {
    TransformerConfig::from_json(minimal_config("deberta-v2"), "models/x/config.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_TRUE(contains(message, "models/x/config.json: model_type 'deberta-v2' is not supported"))
        << message;
    for (const auto& architecture : architectures())
      EXPECT_TRUE(contains(message, architecture.model_type + " (")) << message;
  }
}

// The LibTorch-free config check and the encoders' activation() agree on every name.
TEST(Architectures, EveryAcceptedActivationIsImplemented) {
  const auto x = torch::linspace(-2, 2, 5);
  for (const auto name : supported_activation_names()) {
    SCOPED_TRACE(std::string(name));
    auto config = minimal_config("bert");
    config["hidden_act"] = std::string(name);
    EXPECT_NO_THROW(TransformerConfig::from_json(config, "c"));
    EXPECT_EQ(activation(x, std::string(name)).sizes(), x.sizes());
  }
  auto config = minimal_config("bert");
  config["hidden_act"] = "mish";
  try {
    TransformerConfig::from_json(config, "m/config.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "m/config.json: hidden_act 'mish' is not supported"))
        << e.what();
  }
}

}  // namespace
}  // namespace setfit::body
