// Conformance suites for every built-in plugin (setfit/plugin_conformance.hpp; the loss suite
// runs in test_losses.cpp), and the checks catching what broken plugins do.
#include <gtest/gtest.h>

#include <map>

#include "builtin_registry.hpp"
#include "setfit/conformance_test.hpp"
#include "setfit/plugin_conformance.hpp"
#include "setfit/plugin_registry.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

void expect_conformance(PluginKind kind, const std::string& name) {
  EXPECT_GE(setfit::expect_conformance(test::builtin_registry(), kind, name), 3u);
}

class HeadConformance : public ::testing::TestWithParam<std::string> {};
TEST_P(HeadConformance, PassesEveryCheck) {
  expect_conformance(PluginKind::Head, GetParam());
}
INSTANTIATE_TEST_SUITE_P(Builtins, HeadConformance,
                         ::testing::ValuesIn(test::builtin_names(PluginKind::Head)));

class SamplerConformance : public ::testing::TestWithParam<std::string> {};
TEST_P(SamplerConformance, PassesEveryCheck) {
  expect_conformance(PluginKind::Sampler, GetParam());
}
INSTANTIATE_TEST_SUITE_P(Builtins, SamplerConformance,
                         ::testing::ValuesIn(test::builtin_names(PluginKind::Sampler)));

TEST(PluginConformance, CoversEveryBuiltinHeadAndSampler) {
  EXPECT_EQ(test::builtin_names(PluginKind::Head).size(), 2u);
  EXPECT_EQ(test::builtin_names(PluginKind::Sampler).size(), 5u);
}

// Broken losses fail the check that describes their fault, and only that one.
TEST(PluginConformance, BrokenLossesFailTheCheckNamingTheirFault) {
  PluginRegistry registry;
  registry.load_directories({std::string(SETFIT_TEST_FIXTURE_PLUGIN_DIR) + "/hazard"});
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"NanLoss", {"returns a finite scalar, call after call", "call 3 returned nan"}},
      {"NonScalarLoss", {"returns a finite scalar, call after call", "a tensor of shape [6]"}},
      {"DetachedLoss", {"gradients reach the embeddings", "does not depend on the embeddings"}}};
  for (const auto& [name, failure] : expected) {
    const auto results = check_conformance(registry, PluginKind::Loss, name);
    for (const auto& result : results) {
      if (result.check == failure.first) {
        EXPECT_FALSE(result.passed) << name;
        EXPECT_TRUE(test::contains(result.detail, failure.second)) << name << ": " << result.detail;
      } else if (name != "NonScalarLoss") {
        EXPECT_TRUE(result.passed) << name << ": " << result.check << ": " << result.detail;
      }
    }
  }
}

}  // namespace
}  // namespace setfit
