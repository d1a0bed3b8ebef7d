// CoSENTLoss passes the conformance checks of losses, and its value matches the formula
// computed by hand.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <setfit/conformance_test.hpp>
#include <setfit/plugin_registry.hpp>

TEST(CoSENTLoss, PassesTheConformanceChecks) {
  setfit::expect_conformance(PLUGIN_FILE);
}

TEST(CoSENTLoss, MatchesTheFormula) {
  setfit::PluginRegistry registry;
  ASSERT_TRUE(registry.load_file(PLUGIN_FILE));
  auto loss = registry.create_loss("CoSENTLoss", {{"scale", 2.0}});
  // Two pairs: cos = 1 for the first (target 0), cos = 0 for the second (target 1). Only
  // (second above first) is ranked: log(1 + exp(2 * (1 - 0))).
  const auto u = torch::tensor({{1.0f, 0.0f}, {1.0f, 0.0f}});
  const auto v = torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}});
  const double value = loss->forward(u, v, torch::tensor({0.0f, 1.0f})).item<double>();
  EXPECT_NEAR(value, std::log(1.0 + std::exp(2.0)), 1e-6);
}
