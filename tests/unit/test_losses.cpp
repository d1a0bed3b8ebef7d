// The built-in losses against brute-force references written with plain loops, and a
// conformance suite every loss plugin must pass.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "builtin_registry.hpp"
#include "setfit/conformance_test.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {
namespace {

PluginRegistry& registry() {
  return test::builtin_registry();
}

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.dot(b) / (a.norm() * b.norm())).item<double>();
}
double cosine_distance(const torch::Tensor& a, const torch::Tensor& b) {
  return 1.0 - cosine(a, b);
}

struct Batch {
  torch::Tensor x;
  torch::Tensor labels;
};
Batch labelled_batch() {
  torch::manual_seed(3);
  return {torch::randn({6, 4}, torch::kFloat64), torch::tensor({0, 0, 1, 1, 2, 0}, torch::kLong)};
}

TEST(Losses, ContrastiveMatchesLoops) {
  torch::manual_seed(1);
  auto u = torch::randn({5, 3}, torch::kFloat64), v = torch::randn({5, 3}, torch::kFloat64);
  auto y = torch::tensor({1.0, 0.0, 1.0, 0.0, 0.0}, torch::kFloat64);
  double expected = 0;
  for (int i = 0; i < 5; ++i) {
    const double d = cosine_distance(u[i], v[i]);
    const double t = y[i].item<double>();
    expected += 0.5 * (t * d * d + (1 - t) * std::pow(std::max(0.0, 0.5 - d), 2));
  }
  EXPECT_NEAR(registry().create_loss("ContrastiveLoss")->forward(u, v, y).item<double>(),
              expected / 5, 1e-12);
}

TEST(Losses, OnlineContrastiveKeepsOnlyHardPairs) {
  torch::manual_seed(2);
  auto u = torch::randn({8, 3}, torch::kFloat64), v = torch::randn({8, 3}, torch::kFloat64);
  auto y = torch::tensor({1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0}, torch::kFloat64);
  std::vector<double> pos, neg;
  for (int i = 0; i < 8; ++i)
    (y[i].item<double>() > 0.5 ? pos : neg).push_back(cosine_distance(u[i], v[i]));
  const double max_pos = *std::max_element(pos.begin(), pos.end());
  std::vector<double> hard_neg, hard_pos;
  for (double d : neg)
    if (d < max_pos) hard_neg.push_back(d);
  const double min_neg = *std::min_element(hard_neg.begin(), hard_neg.end());
  for (double d : pos)
    if (d > min_neg) hard_pos.push_back(d);
  double expected = 0;
  for (double d : hard_pos) expected += d * d;
  for (double d : hard_neg) expected += std::pow(std::max(0.0, 0.5 - d), 2);
  ASSERT_GT(hard_neg.size(), 1u);
  EXPECT_NEAR(registry().create_loss("OnlineContrastiveLoss")->forward(u, v, y).item<double>(),
              expected, 1e-12);
}

TEST(Losses, BatchAllTripletMatchesLoops) {
  auto [x, labels] = labelled_batch();
  const int n = static_cast<int>(x.size(0));
  double total = 0;
  int active = 0;
  for (int a = 0; a < n; ++a)
    for (int p = 0; p < n; ++p)
      for (int q = 0; q < n; ++q) {
        if (a == p || labels[a].item<int64_t>() != labels[p].item<int64_t>()) continue;
        if (labels[a].item<int64_t>() == labels[q].item<int64_t>()) continue;
        const double l =
            std::max(0.0, cosine_distance(x[a], x[p]) - cosine_distance(x[a], x[q]) + 0.25);
        total += l;
        active += l > 1e-16;
      }
  ASSERT_GT(active, 0);
  EXPECT_NEAR(registry().create_loss("BatchAllTripletLoss")->forward(x, {}, labels).item<double>(),
              total / active, 1e-9);
}

// Per anchor: (hardest positive distance, hardest negative distance); anchors without a
// positive get 0 for it, as sentence-transformers does.
std::vector<std::pair<double, double>> hardest(const torch::Tensor& x,
                                               const torch::Tensor& labels) {
  const int n = static_cast<int>(x.size(0));
  std::vector<std::pair<double, double>> out;
  for (int a = 0; a < n; ++a) {
    double pos = 0, neg = 1e9;
    for (int j = 0; j < n; ++j) {
      if (j == a) continue;
      const double d = cosine_distance(x[a], x[j]);
      if (labels[a].item<int64_t>() == labels[j].item<int64_t>())
        pos = std::max(pos, d);
      else
        neg = std::min(neg, d);
    }
    out.emplace_back(pos, neg);
  }
  return out;
}

TEST(Losses, BatchHardTripletAndSoftMarginMatchLoops) {
  auto [x, labels] = labelled_batch();
  double hard = 0, soft = 0;
  auto pairs = hardest(x, labels);
  for (auto [p, q] : pairs) {
    hard += std::max(0.0, p - q + 0.25);
    soft += std::log1p(std::exp(p - q));
  }
  EXPECT_NEAR(registry().create_loss("BatchHardTripletLoss")->forward(x, {}, labels).item<double>(),
              hard / pairs.size(), 1e-9);
  EXPECT_NEAR(registry()
                  .create_loss("BatchHardSoftMarginTripletLoss")
                  ->forward(x, {}, labels)
                  .item<double>(),
              soft / pairs.size(), 1e-9);
}

TEST(Losses, BatchSemiHardTripletMatchesLoops) {
  auto [x, labels] = labelled_batch();
  const int n = static_cast<int>(x.size(0));
  double total = 0;
  int pairs = 0;
  for (int a = 0; a < n; ++a) {
    for (int p = 0; p < n; ++p) {
      if (p == a || labels[a].item<int64_t>() != labels[p].item<int64_t>()) continue;
      const double ap = cosine_distance(x[a], x[p]);
      double semi_hard = 1e9, farthest = -1e9;
      for (int q = 0; q < n; ++q) {
        if (labels[a].item<int64_t>() == labels[q].item<int64_t>()) continue;
        const double an = cosine_distance(x[a], x[q]);
        farthest = std::max(farthest, an);
        if (an > ap) semi_hard = std::min(semi_hard, an);
      }
      const double chosen = semi_hard < 1e9 ? semi_hard : farthest;
      total += std::max(0.0, ap - chosen + 0.25);
      ++pairs;
    }
  }
  EXPECT_NEAR(
      registry().create_loss("BatchSemiHardTripletLoss")->forward(x, {}, labels).item<double>(),
      total / pairs, 1e-9);
}

TEST(Losses, SupConMatchesLoopsAndSkipsAnchorsWithoutPositives) {
  auto [x, labels] = labelled_batch();  // label 2 has a single example
  const int n = static_cast<int>(x.size(0));
  double total = 0;
  int anchors = 0;
  for (int a = 0; a < n; ++a) {
    double denominator = 0;
    for (int k = 0; k < n; ++k)
      if (k != a) denominator += std::exp(cosine(x[a], x[k]) / 0.07);
    double sum = 0;
    int positives = 0;
    for (int p = 0; p < n; ++p) {
      if (p == a || labels[a].item<int64_t>() != labels[p].item<int64_t>()) continue;
      sum += cosine(x[a], x[p]) / 0.07 - std::log(denominator);
      ++positives;
    }
    if (positives == 0) continue;
    total += -sum / positives;
    ++anchors;
  }
  EXPECT_EQ(anchors, 5);
  auto loss = registry().create_loss("SupConLoss");
  EXPECT_NEAR(loss->forward(x, {}, labels).item<double>(), total / anchors, 1e-9);
  // No positives at all: zero, not NaN.
  EXPECT_EQ(loss->forward(x, {}, torch::arange(6)).item<double>(), 0.0);
}

TEST(Losses, MultipleNegativesRankingMatchesLoops) {
  torch::manual_seed(5);
  auto a = torch::randn({4, 3}, torch::kFloat64), p = torch::randn({4, 3}, torch::kFloat64);
  double expected = 0;
  for (int i = 0; i < 4; ++i) {
    double denominator = 0;
    for (int j = 0; j < 4; ++j) denominator += std::exp(20.0 * cosine(a[i], p[j]));
    expected += -(20.0 * cosine(a[i], p[i]) - std::log(denominator));
  }
  auto loss = registry().create_loss("MultipleNegativesRankingLoss");
  EXPECT_EQ(loss->input(), LossInput::PositivePairs);
  EXPECT_NEAR(loss->forward(a, p, torch::ones({4})).item<double>(), expected / 4, 1e-9);
}

TEST(Losses, EuclideanDistanceMatrixIsExact) {
  auto [x, labels] = labelled_batch();
  auto loss = registry().create_loss("BatchHardTripletLoss",
                                     {{"distance_metric", std::string("euclidean")}});
  const int n = static_cast<int>(x.size(0));
  double total = 0;
  for (int a = 0; a < n; ++a) {
    double pos = 0, neg = 1e9;
    for (int j = 0; j < n; ++j) {
      if (j == a) continue;
      const double d = (x[a] - x[j]).norm().item<double>();
      if (labels[a].item<int64_t>() == labels[j].item<int64_t>())
        pos = std::max(pos, d);
      else
        neg = std::min(neg, d);
    }
    total += std::max(0.0, pos - neg + 0.25);
  }
  EXPECT_NEAR(loss->forward(x, {}, labels).item<double>(), total / n, 1e-9);
}

// Conformance: what every loss plugin must do (setfit/plugin_conformance.hpp), for each
// built-in.
class LossConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(LossConformance, PassesEveryCheck) {
  expect_conformance(registry(), PluginKind::Loss, GetParam());
}

std::vector<std::string> builtin_losses() {
  return test::builtin_names(PluginKind::Loss);
}

INSTANTIATE_TEST_SUITE_P(Builtins, LossConformance, ::testing::ValuesIn(builtin_losses()));

TEST(Losses, ConformanceCoversEveryBuiltinLoss) {
  EXPECT_EQ(builtin_losses().size(), 9u);
}

}  // namespace
}  // namespace setfit
