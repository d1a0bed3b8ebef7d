// The BERT and MPNet bodies against the Hugging Face reference outputs (tests/data/golden),
// loaded through the production model-folder loader, with the weights copied and with the
// parameters on the file's own pages (LoadOptions::map_weights). Tolerances from the golden
// README.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "golden.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/sentence_encoder.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

class BodyGolden : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  void SetUp() override {
    const auto& [model, mapped] = GetParam();
    encoder_ = SentenceEncoder::load(test::golden_dir(model), LoadOptions{.map_weights = mapped});
    expected_ = &test::golden_expected(model);
  }
  torch::Tensor ids(const char* key) const {
    return test::json_tensor((*expected_)["batch"][key], torch::kLong);
  }
  torch::Tensor types() const {
    const auto& batch = (*expected_)["batch"];
    if (!batch.contains("token_type_ids") || batch["token_type_ids"].is_null()) return {};
    return test::json_tensor(batch["token_type_ids"], torch::kLong);
  }
  std::shared_ptr<SentenceEncoder> encoder_;
  const nlohmann::json* expected_ = nullptr;
};

// Largest absolute difference over the positions where `mask` is 1.
double max_masked_diff(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  auto keep = mask.to(torch::kBool).unsqueeze(-1).expand_as(a);
  return (a - b).abs().masked_select(keep).max().item<double>();
}

TEST_P(BodyGolden, LastHiddenStateMatchesOnRealTokens) {
  torch::NoGradGuard no_grad;
  auto mask = ids("attention_mask");
  auto hidden = encoder_->token_embeddings(ids("input_ids"), mask, types());
  auto expected = test::json_tensor((*expected_)["last_hidden_state"], torch::kFloat32);
  ASSERT_EQ(hidden.sizes(), expected.sizes());
  EXPECT_LT(max_masked_diff(hidden, expected, mask), 1e-5);
}

TEST_P(BodyGolden, MeanPooledAndNormalisedMatch) {
  torch::NoGradGuard no_grad;
  auto mask = ids("attention_mask");
  auto pooled = encoder_->pool(encoder_->token_embeddings(ids("input_ids"), mask, types()), mask);
  auto mean = test::json_tensor((*expected_)["mean_pooled"], torch::kFloat32);
  EXPECT_LT((pooled - mean).abs().max().item<double>(), 1e-5);
  auto normalized = torch::nn::functional::normalize(
      pooled, torch::nn::functional::NormalizeFuncOptions().dim(1));
  auto expected_normalized = test::json_tensor((*expected_)["normalized"], torch::kFloat32);
  EXPECT_LT((normalized - expected_normalized).abs().max().item<double>(), 1e-6);
}

TEST_P(BodyGolden, EncodeFromTextMatchesInInputOrder) {
  auto sentences = (*expected_)["sentences"].get<std::vector<std::string>>();
  EncodeOptions options;
  options.batch_size = 4;  // several batches, sorted by length, then restored
  auto embeddings = encoder_->encode(sentences, options);
  auto mean = test::json_tensor((*expected_)["mean_pooled"], torch::kFloat32);
  EXPECT_LT((embeddings - mean).abs().max().item<double>(), 1e-5);
  options.normalize = true;
  auto normalized = encoder_->encode(sentences, options);
  auto expected_normalized = test::json_tensor((*expected_)["normalized"], torch::kFloat32);
  EXPECT_LT((normalized - expected_normalized).abs().max().item<double>(), 1e-6);
}

TEST_P(BodyGolden, PairExampleMatches) {
  torch::NoGradGuard no_grad;
  const auto& pair = (*expected_)["pair_example"];
  auto input_ids = test::json_tensor(pair["input_ids"], torch::kLong).view({1, -1});
  auto mask = test::json_tensor(pair["attention_mask"], torch::kLong).view({1, -1});
  torch::Tensor type_ids;
  if (pair.contains("token_type_ids") && !pair["token_type_ids"].is_null()) {
    type_ids = test::json_tensor(pair["token_type_ids"], torch::kLong).view({1, -1});
  }
  auto hidden = encoder_->token_embeddings(input_ids, mask, type_ids);
  auto expected =
      test::json_tensor(pair["last_hidden_state"], torch::kFloat32).view(hidden.sizes());
  EXPECT_LT((hidden - expected).abs().max().item<double>(), 1e-5);
}

TEST_P(BodyGolden, CosineSimilarityLossAndGradientsMatch) {
  const auto& check = (*expected_)["grad_check"];
  PluginRegistry registry;
  registry.load_directories({PluginRegistry::builtin_dir()});
  auto loss_fn = registry.create_loss("CosineSimilarityLoss");

  encoder_->train(false);  // the reference ran in eval mode
  for (auto& p : encoder_->parameters()) p.mutable_grad() = torch::Tensor();
  auto side = [&](const char* ids_key, const char* mask_key) {
    auto mask = test::json_tensor(check[mask_key], torch::kLong);
    return encoder_->pool(
        encoder_->token_embeddings(test::json_tensor(check[ids_key], torch::kLong), mask, {}),
        mask);
  };
  auto u = side("input_ids_a", "attention_mask_a");
  auto v = side("input_ids_b", "attention_mask_b");
  EXPECT_LT(
      (u - test::json_tensor(check["embeddings_a"], torch::kFloat32)).abs().max().item<double>(),
      1e-5);

  std::vector<double> labels;
  std::vector<std::string> texts_a;
  for (const auto& pair : check["pairs"]) {
    labels.push_back(pair["label"].get<double>());
    texts_a.push_back(pair["a"].get<std::string>());
  }
  {
    // The text path (strip, tokenise, pad to the longest) gives the same embeddings.
    torch::NoGradGuard no_grad;
    EXPECT_LT((encoder_->embed(texts_a) - u).abs().max().item<double>(), 1e-6);
  }
  auto loss = loss_fn->forward(u, v, torch::tensor(labels, torch::kFloat32));
  const double expected_loss = check["loss"];
  EXPECT_NEAR(loss.item<double>(), expected_loss, 1e-4 * std::abs(expected_loss));
  loss.backward();

  std::map<std::string, torch::Tensor> params;
  for (auto& [name, tensor] : encoder_->named_parameters()) params[name] = tensor;
  const std::string grad_param = check["grad_param"];
  ASSERT_TRUE(params[grad_param].grad().defined());
  const double expected_norm = check["grad_l2_norm"];
  EXPECT_NEAR(params[grad_param].grad().norm().item<double>(), expected_norm, 1e-4 * expected_norm);

  double total = 0;
  for (auto& [name, tensor] : params) {
    if (tensor.grad().defined()) total += tensor.grad().pow(2).sum().item<double>();
  }
  const double expected_total = check["grad_l2_norm_all_parameters"];
  EXPECT_NEAR(std::sqrt(total), expected_total, 1e-4 * expected_total);

  for (const auto& [name, norm_json] : check["grad_l2_norm_per_parameter"].items()) {
    const double norm = norm_json.get<double>();
    ASSERT_TRUE(params.count(name)) << name;
    auto grad = params[name].grad();
    const double actual = grad.defined() ? grad.norm().item<double>() : 0.0;
    // rtol 1e-4, with a floor for gradients that are zero in the reference (the pooler).
    EXPECT_NEAR(actual, norm, 1e-4 * norm + 1e-7) << name;
  }
}

TEST_P(BodyGolden, ParameterNamesAreHuggingFaces) {
  std::vector<std::string> names;
  for (auto& [name, tensor] : encoder_->named_parameters()) names.push_back(name);
  auto expected = (*expected_)["parameter_names"].get<std::vector<std::string>>();
  std::sort(names.begin(), names.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
}

INSTANTIATE_TEST_SUITE_P(Models, BodyGolden,
                         ::testing::Combine(::testing::Values("bert-tiny", "mpnet-tiny",
                                                              "distilbert-tiny", "roberta-tiny",
                                                              "xlmr-tiny"),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param) +
                                              (std::get<1>(info.param) ? "_mapped" : "_copied");
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Lines of /proc/self/maps that map `file`.
std::size_t mappings_of(const std::filesystem::path& file) {
  std::ifstream maps("/proc/self/maps");
  std::size_t count = 0;
  for (std::string line; std::getline(maps, line);) {
    if (line.size() >= file.string().size() &&
        line.compare(line.size() - file.string().size(), std::string::npos, file.string()) == 0)
      ++count;
  }
  return count;
}

// A body on the file's pages keeps them mapped while it lives (and only then), and training
// it changes its parameters, never the file: each written page is the process's own copy.
TEST(MappedBody, SharesTheFilesPagesAndTrainingNeverWritesTheFile) {
  test::TempDir dir;
  const auto folder = test::copy_golden(dir.path(), "bert-tiny");
  const auto weights = std::filesystem::canonical(folder / "model.safetensors");
  const std::string before = test::read_file(weights);
  const auto copied = SentenceEncoder::load(folder);
  EXPECT_EQ(mappings_of(weights), 0u);  // copying closes the file
  auto mapped = SentenceEncoder::load(folder, LoadOptions{.map_weights = true});
  EXPECT_GT(mappings_of(weights), 0u);

  const std::vector<std::string> texts{"a fine film", "a dull film, too long"};
  EXPECT_TRUE(torch::equal(mapped->encode(texts), copied->encode(texts)));

  {
    mapped->train(true);
    torch::optim::SGD optimizer(mapped->parameters(), torch::optim::SGDOptions(0.5));
    mapped->embed(texts).pow(2).sum().backward();
    optimizer.step();
  }
  const auto trained = mapped->encode(texts);
  EXPECT_FALSE(torch::allclose(trained, copied->encode(texts)));
  EXPECT_EQ(test::read_file(weights), before);
  // A body loaded afterwards sees the file, not the trained copy.
  EXPECT_TRUE(
      torch::equal(SentenceEncoder::load(folder, LoadOptions{.map_weights = true})->encode(texts),
                   copied->encode(texts)));
  mapped.reset();  // the last holder of its parameters
  EXPECT_EQ(mappings_of(weights), 0u);
}

}  // namespace
}  // namespace setfit
