// Conformance suites for head and sampler plugins: what every plugin of the kind must do,
// instantiated for each built-in (the loss suite lives in test_losses.cpp).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "builtin_registry.hpp"
#include "setfit/errors.hpp"

namespace setfit {
namespace {

PluginRegistry& registry() {
  return test::builtin_registry();
}

// Three well separated classes in 8 dimensions.
std::pair<torch::Tensor, torch::Tensor> separable(std::int64_t per_class = 6) {
  torch::manual_seed(5);
  auto centres = torch::eye(8).slice(0, 0, 3) * 4;
  auto labels = torch::arange(3).repeat_interleave(per_class);
  auto x = centres.index_select(0, labels) + 0.3 * torch::randn({3 * per_class, 8});
  return {x, labels};
}

// Puts a head in its trained state: fit() or a few gradient steps.
void train_head(Head& head, const torch::Tensor& x, const torch::Tensor& labels) {
  if (!head.differentiable()) {
    head.fit(x, labels);
    return;
  }
  torch::optim::Adam optimizer(head.parameters(), torch::optim::AdamOptions(0.05));
  for (int step = 0; step < 50; ++step) {
    optimizer.zero_grad();
    head.loss(head.forward(x), labels).backward();
    optimizer.step();
  }
}

class HeadConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(HeadConformance, LearnsSeparableClassesWithFiniteProbabilities) {
  auto head = registry().create_head(GetParam());
  auto [x, labels] = separable();
  torch::manual_seed(1);
  head->initialize(8, 3);
  train_head(*head, x, labels);
  torch::NoGradGuard no_grad;
  auto proba = head->predict_proba(x).to(torch::kFloat64);
  ASSERT_EQ(proba.sizes(), (std::vector<std::int64_t>{18, 3}));
  EXPECT_TRUE(torch::isfinite(proba).all().item<bool>());
  EXPECT_TRUE(torch::allclose(proba.sum(1), torch::ones({18}, torch::kFloat64), 0, 1e-5));
  EXPECT_TRUE(torch::equal(proba.argmax(1), labels));
}

TEST_P(HeadConformance, DeterministicUnderASeed) {
  auto [x, labels] = separable();
  auto run = [&, &x = x, &labels = labels] {
    auto head = registry().create_head(GetParam());
    torch::manual_seed(3);
    head->initialize(8, 3);
    train_head(*head, x, labels);
    torch::NoGradGuard no_grad;
    return head->predict_proba(x);
  };
  EXPECT_TRUE(torch::equal(run(), run()));
}

TEST_P(HeadConformance, GradientsReachTheEmbeddingsOfADifferentiableHead) {
  auto head = registry().create_head(GetParam());
  head->initialize(8, 3);
  if (!head->differentiable()) {
    EXPECT_THROW(head->loss(torch::zeros({2, 3}), torch::zeros({2}, torch::kLong)), Error);
    return;  // a fitted head never takes part in backpropagation
  }
  auto [x, labels] = separable();
  auto input = x.clone().requires_grad_(true);
  head->loss(head->forward(input), labels).backward();
  ASSERT_TRUE(input.grad().defined());
  EXPECT_GT(input.grad().abs().sum().item<double>(), 0.0);
  for (auto& p : head->parameters()) EXPECT_TRUE(p.grad().defined());
}

TEST_P(HeadConformance, StateRoundTripsAndWrongStateIsRefused) {
  auto [x, labels] = separable();
  auto head = registry().create_head(GetParam());
  head->initialize(8, 3);
  train_head(*head, x, labels);
  auto copy = registry().create_head(GetParam());
  copy->initialize(8, 3);
  copy->load_state(head->state());
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(copy->predict_proba(x), head->predict_proba(x)));
  auto narrow = registry().create_head(GetParam());
  narrow->initialize(5, 3);
  EXPECT_THROW(narrow->load_state(head->state()), Error);
  EXPECT_THROW(copy->load_state({}), Error);
}

TEST_P(HeadConformance, SchemaDefaultsRoundTrip) {
  const auto& plugin = registry().find(PluginKind::Head, GetParam());
  ParamMap explicit_defaults;
  for (const auto& spec : plugin.info.params)
    explicit_defaults.emplace(spec.name, spec.default_value);
  auto [x, labels] = separable();
  auto a = registry().create_head(GetParam(), explicit_defaults);
  auto b = registry().create_head(GetParam());
  torch::manual_seed(4);
  a->initialize(8, 3);
  train_head(*a, x, labels);
  torch::manual_seed(4);
  b->initialize(8, 3);
  train_head(*b, x, labels);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(a->predict_proba(x), b->predict_proba(x)));
  EXPECT_THROW(registry().create_head(GetParam(), {{"no_such_parameter", 1.0}}),
               ComponentConfigError);
}

INSTANTIATE_TEST_SUITE_P(Builtins, HeadConformance,
                         ::testing::ValuesIn(test::builtin_names(PluginKind::Head)));

class SamplerConformance : public ::testing::TestWithParam<std::string> {
 protected:
  // Three labels with four examples each, interleaved.
  static SamplingRequest request(std::uint64_t seed) {
    SamplingRequest r;
    for (int i = 0; i < 12; ++i) r.labels.push_back({i % 3});
    r.seed = seed;
    r.batch_size = 6;
    return r;
  }
};

TEST_P(SamplerConformance, OutputIsValidForTheLabels) {
  auto sampler = registry().create_sampler(GetParam());
  const auto r = request(7);
  if (sampler->yields_batches()) {
    const auto batches = sampler->batches(r);
    ASSERT_FALSE(batches.empty());
    std::set<std::int64_t> seen;
    for (const auto& batch : batches) {
      std::set<std::int64_t> labels;
      for (auto i : batch) {
        ASSERT_TRUE(i >= 0 && i < 12);
        seen.insert(i);
        labels.insert(r.labels[static_cast<std::size_t>(i)][0]);
      }
      // A batch loss needs positives and negatives in every batch.
      EXPECT_GE(labels.size(), 2u);
      EXPECT_LT(labels.size(), batch.size());
    }
    EXPECT_EQ(seen.size(), 12u);  // every example is used
    return;
  }
  const auto pairs = sampler->sample(r);
  ASSERT_FALSE(pairs.empty());
  bool positive = false, negative = false;
  for (const auto& p : pairs) {
    ASSERT_TRUE(p.first >= 0 && p.first < 12 && p.second >= 0 && p.second < 12);
    const bool same =
        r.labels[static_cast<std::size_t>(p.first)] == r.labels[static_cast<std::size_t>(p.second)];
    EXPECT_EQ(p.target, same ? 1.0f : 0.0f);
    positive = positive || same;
    negative = negative || !same;
  }
  EXPECT_TRUE(positive && negative);
}

TEST_P(SamplerConformance, DeterministicUnderASeedAndVariesWithIt) {
  auto sampler = registry().create_sampler(GetParam());
  auto order = [&](std::uint64_t seed) {
    std::vector<std::int64_t> flat;
    if (sampler->yields_batches()) {
      for (const auto& batch : sampler->batches(request(seed)))
        flat.insert(flat.end(), batch.begin(), batch.end());
    } else {
      for (const auto& p : sampler->sample(request(seed))) {
        flat.push_back(p.first);
        flat.push_back(p.second);
      }
    }
    return flat;
  };
  EXPECT_EQ(order(1), order(1));
  EXPECT_NE(order(1), order(2));
}

TEST_P(SamplerConformance, SchemaDefaultsRoundTrip) {
  const auto& plugin = registry().find(PluginKind::Sampler, GetParam());
  ParamMap explicit_defaults;
  for (const auto& spec : plugin.info.params)
    explicit_defaults.emplace(spec.name, spec.default_value);
  auto a = registry().create_sampler(GetParam(), explicit_defaults);
  auto b = registry().create_sampler(GetParam());
  if (a->yields_batches())
    EXPECT_EQ(a->batches(request(3)), b->batches(request(3)));
  else
    EXPECT_EQ(a->sample(request(3)).size(), b->sample(request(3)).size());
  EXPECT_THROW(registry().create_sampler(GetParam(), {{"no_such_parameter", 1.0}}),
               ComponentConfigError);
}

INSTANTIATE_TEST_SUITE_P(Builtins, SamplerConformance,
                         ::testing::ValuesIn(test::builtin_names(PluginKind::Sampler)));

TEST(PluginConformance, CoversEveryBuiltinHeadAndSampler) {
  EXPECT_EQ(test::builtin_names(PluginKind::Head).size(), 2u);
  EXPECT_EQ(test::builtin_names(PluginKind::Sampler).size(), 5u);
}

}  // namespace
}  // namespace setfit
