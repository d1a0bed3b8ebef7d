#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {
namespace {

class BuiltinPlugins : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.load_directories({PluginRegistry::builtin_dir()});
    ASSERT_TRUE(registry_.failures().empty());
  }
  PluginRegistry registry_;
};

TEST_F(BuiltinPlugins, CosineSimilarityLossMatchesHandComputedValue) {
  auto loss = registry_.create_loss("CosineSimilarityLoss");
  EXPECT_EQ(loss->input(), LossInput::Pairs);
  // cos = 0.6 for (3,4)·(1,0)/5, and -1 for opposite vectors.
  auto u = torch::tensor({{3.0, 4.0}, {1.0, 1.0}}, torch::kFloat64);
  auto v = torch::tensor({{1.0, 0.0}, {-2.0, -2.0}}, torch::kFloat64);
  auto target = torch::tensor({1.0, 0.0}, torch::kFloat64);
  double expected = ((0.6 - 1.0) * (0.6 - 1.0) + (-1.0 - 0.0) * (-1.0 - 0.0)) / 2.0;
  EXPECT_NEAR(loss->forward(u, v, target).item<double>(), expected, 1e-12);
}

TEST_F(BuiltinPlugins, CosineSimilarityLossGradientReachesInputs) {
  auto loss = registry_.create_loss("CosineSimilarityLoss");
  auto u = torch::randn({4, 8}, torch::requires_grad());
  auto v = torch::randn({4, 8}, torch::requires_grad());
  loss->forward(u, v, torch::tensor({1.0f, 0.0f, 1.0f, 0.0f})).backward();
  EXPECT_GT(u.grad().abs().sum().item<float>(), 0.0f);
  EXPECT_GT(v.grad().abs().sum().item<float>(), 0.0f);
}

TEST_F(BuiltinPlugins, CosineSimilarityLossRejectsMismatchedShapes) {
  auto loss = registry_.create_loss("CosineSimilarityLoss");
  EXPECT_THROW(loss->forward(torch::ones({2, 3}), torch::ones({2, 4}), torch::ones({2})),
               PluginError);
}

TEST_F(BuiltinPlugins, LinearHeadFollowsSetFitInitialisation) {
  auto head = registry_.create_head("linear", {{"temperature", 0.5}});
  EXPECT_TRUE(head->differentiable());
  head->initialize(16, 3);  // out_features 0: one output per class
  auto params = head->parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].sizes(), (std::vector<int64_t>{3, 16}));
  EXPECT_TRUE(torch::allclose(params[1], torch::full({3}, 0.01)));
  // Xavier-uniform bound sqrt(6 / (fan_in + fan_out)).
  EXPECT_LE(params[0].abs().max().item<double>(), std::sqrt(6.0 / (16 + 3)) + 1e-6);

  auto x = torch::randn({5, 16});
  auto scores = head->forward(x);
  auto expected = (torch::matmul(x, params[0].t()) + params[1]) / (0.5 + 1e-5);
  EXPECT_TRUE(torch::allclose(scores, expected, 1e-5, 1e-5));
  auto proba = head->predict_proba(x);
  EXPECT_TRUE(torch::allclose(proba.sum(1), torch::ones({5}), 1e-5, 1e-6));
  auto value = head->loss(scores, torch::tensor({0, 1, 2, 0, 1}));
  value.backward();
  EXPECT_TRUE(params[0].grad().defined());
}

TEST_F(BuiltinPlugins, LinearHeadRefusesFitAndUseBeforeInitialize) {
  auto head = registry_.create_head("linear");
  EXPECT_THROW(head->forward(torch::ones({1, 2})), PluginError);
  head->initialize(2, 2);
  EXPECT_THROW(head->fit(torch::ones({1, 2}), torch::zeros({1})), PluginError);
}

// K classes of N examples each, labels 0..K-1.
SamplingRequest balanced(int classes, int per_class) {
  SamplingRequest request;
  for (int c = 0; c < classes; ++c) {
    for (int i = 0; i < per_class; ++i) request.labels.push_back({c});
  }
  return request;
}

TEST_F(BuiltinPlugins, OversamplingPairCountsMatchSetFit) {
  auto sampler = registry_.create_sampler("oversampling");
  auto request = balanced(2, 8);
  auto pairs = sampler->sample(request);
  // 72 unique positives (diagonal included) and 64 negatives, cycled to 72 + 72.
  ASSERT_EQ(pairs.size(), 144u);
  std::set<std::pair<int64_t, int64_t>> positives, negatives;
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const auto& p = pairs[k];
    const bool same = request.labels[p.first] == request.labels[p.second];
    EXPECT_EQ(p.target, same ? 1.0f : 0.0f);
    EXPECT_EQ(same, k % 2 == 0) << "pairs alternate positive, negative";
    EXPECT_LE(p.first, p.second);
    (same ? positives : negatives).insert({p.first, p.second});
  }
  EXPECT_EQ(positives.size(), 72u);
  EXPECT_EQ(negatives.size(), 64u);
}

TEST_F(BuiltinPlugins, OversamplingIsDeterministicUnderASeed) {
  auto sampler = registry_.create_sampler("oversampling");
  auto request = balanced(3, 4);
  auto first = sampler->sample(request);
  auto second = sampler->sample(request);
  request.seed = 7;
  auto other = sampler->sample(request);
  auto same = [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].first != b[i].first || a[i].second != b[i].second) return false;
    }
    return true;
  };
  EXPECT_TRUE(same(first, second));
  EXPECT_FALSE(same(first, other));
}

TEST_F(BuiltinPlugins, OversamplingHonoursIterationsAndCap) {
  auto sampler = registry_.create_sampler("oversampling");
  auto request = balanced(2, 8);
  request.num_iterations = 5;
  EXPECT_EQ(sampler->sample(request).size(), 2u * 5 * 16);
  request.num_iterations = 0;
  request.max_pairs = 20;
  EXPECT_EQ(sampler->sample(request).size(), 20u);
}

TEST_F(BuiltinPlugins, OversamplingWithOneLabelIsAClearError) {
  auto sampler = registry_.create_sampler("oversampling");
  try {
    sampler->sample(balanced(1, 4));
    FAIL() << "expected PluginError";
  } catch (const PluginError& e) {
    EXPECT_NE(std::string(e.what()).find("only one label"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace setfit
