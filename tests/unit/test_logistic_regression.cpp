// The logistic_regression head against scikit-learn's LogisticRegression() fitted on the
// same data (tests/data/golden/logreg).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {
namespace {

class LogisticRegressionGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(LogisticRegressionGolden, MatchesScikitLearn) {
  std::ifstream in(std::filesystem::path(SETFIT_TEST_DATA_DIR) / "golden/logreg" /
                   (GetParam() + ".json"));
  auto golden = nlohmann::json::parse(in);
  PluginRegistry registry;
  registry.load_directories({PluginRegistry::builtin_dir()});
  auto head = registry.create_head("logistic_regression");
  EXPECT_FALSE(head->differentiable());

  auto train_x = test::json_tensor(golden["train_x"], torch::kFloat32);
  auto train_y = test::json_tensor(golden["train_y"], torch::kLong);
  auto test_x = test::json_tensor(golden["test_x"], torch::kFloat32);
  const std::int64_t classes = golden["n_classes"];
  head->initialize(train_x.size(1), classes);
  head->fit(train_x, train_y);

  auto proba = head->predict_proba(test_x);
  auto expected_proba = test::json_tensor(golden["test_proba"], torch::kFloat64);
  ASSERT_EQ(proba.sizes(), expected_proba.sizes());
  EXPECT_LT((proba - expected_proba).abs().max().item<double>(), 1e-3);
  auto predictions = proba.argmax(1);
  EXPECT_TRUE(torch::equal(predictions, test::json_tensor(golden["test_pred"], torch::kLong)));

  // Coefficients within the solver's tolerance of scikit-learn's (relative to their scale).
  auto params = head->parameters();
  auto coef = test::json_tensor(golden["coef"], torch::kFloat64);
  auto intercept = test::json_tensor(golden["intercept"], torch::kFloat64);
  const double scale = coef.abs().max().item<double>();
  EXPECT_LT((params[0] - coef).abs().max().item<double>(), 1e-2 * scale);
  EXPECT_LT((params[1] - intercept).abs().max().item<double>(),
            1e-2 * std::max(1.0, intercept.abs().max().item<double>()));
}

INSTANTIATE_TEST_SUITE_P(Data, LogisticRegressionGolden, ::testing::Values("binary", "multiclass"));

// The defaults are scikit-learn's LogisticRegression(): C 1, max_iter 100, tol 1e-4 (the
// golden test above fits with them).
TEST(LogisticRegression, DefaultsAreScikitLearns) {
  PluginRegistry registry;
  registry.load_directories({PluginRegistry::builtin_dir()});
  std::map<std::string, ParamValue> defaults;
  for (const auto& spec : registry.find(PluginKind::Head, "logistic_regression").info.params)
    defaults[spec.name] = spec.default_value;
  EXPECT_EQ(std::get<double>(defaults.at("C")), 1.0);
  EXPECT_EQ(std::get<std::int64_t>(defaults.at("max_iter")), 100);
  EXPECT_EQ(std::get<double>(defaults.at("tol")), 1e-4);
  EXPECT_EQ(std::get<bool>(defaults.at("fit_intercept")), true);
}

TEST(LogisticRegression, OneClassAndMisuseAreClearErrors) {
  PluginRegistry registry;
  registry.load_directories({PluginRegistry::builtin_dir()});
  auto head = registry.create_head("logistic_regression");
  EXPECT_THROW(head->initialize(4, 1), PluginError);
  EXPECT_THROW(head->fit(torch::ones({2, 4}), torch::zeros({2})), PluginError);
  head->initialize(4, 3);
  EXPECT_THROW(head->fit(torch::ones({2, 5}), torch::zeros({2})), PluginError);
  EXPECT_THROW(head->loss(torch::ones({2, 3}), torch::zeros({2})), PluginError);
  EXPECT_THROW(registry.create_head("logistic_regression", {{"C", -1.0}}), PluginError);
}

}  // namespace
}  // namespace setfit
