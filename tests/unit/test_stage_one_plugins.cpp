// Loss and sampler parameters reach the plugins: TrainingArguments' margin and
// distance_metric map onto losses that declare them (and are errors for those that do
// not), loss_params/sampler_params are validated against the plugin that runs, and a
// changed distance changes what stage 1 trains.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/stage_one_plugins.hpp"
#include "setfit/trainer.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

using test::contains;

PluginRegistry& registry() {
  return test::builtin_registry();
}

std::string error_of(const TrainingArguments& args) {
  try {
    resolve_stage_one_plugins(args, registry());
  } catch (const ComponentConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(StageOnePlugins, DistanceMetricAndMarginReachALossThatDeclaresThem) {
  TrainingArguments args;
  args.loss = "ContrastiveLoss";
  args.distance_metric = "manhattan";
  args.user_set.insert("distance_metric");
  args.margin = 0.75;
  const auto plugins = resolve_stage_one_plugins(args, registry());
  EXPECT_EQ(plugins.loss_params.get_string("distance_metric"), "manhattan");
  EXPECT_DOUBLE_EQ(plugins.loss_params.get_float("margin"), 0.75);
  EXPECT_TRUE(plugins.loss_params.is_user_set("distance_metric"));
  EXPECT_EQ(plugins.sampler, "oversampling");
  EXPECT_FALSE(plugins.sampler_replaced);
}

TEST(StageOnePlugins, TheDefaultDistanceMetricIsNotForcedOnALoss) {
  TrainingArguments args;  // distance_metric "cosine", not set by the user
  args.loss = "SupConLoss";
  const auto plugins = resolve_stage_one_plugins(args, registry());
  EXPECT_DOUBLE_EQ(plugins.loss_params.get_float("temperature"), 0.07);
  EXPECT_FALSE(plugins.loss_params.has("distance_metric"));
}

TEST(StageOnePlugins, ALossWithoutTheFieldIsAnErrorNamingLossesThatHaveIt) {
  TrainingArguments args;  // CosineSimilarityLoss has neither margin nor distance_metric
  args.margin = 0.5;
  std::string message = error_of(args);
  EXPECT_TRUE(contains(message, "loss 'CosineSimilarityLoss' takes no 'margin'")) << message;
  EXPECT_TRUE(contains(message, "ContrastiveLoss")) << message;
  args.margin.reset();
  args.distance_metric = "euclidean";
  args.user_set.insert("distance_metric");
  message = error_of(args);
  EXPECT_TRUE(contains(message, "takes no 'distance_metric'")) << message;
}

TEST(StageOnePlugins, AParameterSetTwiceOrMisspeltIsAnError) {
  TrainingArguments args;
  args.loss = "ContrastiveLoss";
  args.margin = 0.5;
  args.loss_params = {{"margin", 0.25}};
  EXPECT_TRUE(contains(error_of(args), "'margin' is set twice")) << error_of(args);
  args.margin.reset();
  args.loss_params = {{"margn", 0.25}};
  EXPECT_TRUE(contains(error_of(args), "did you mean 'margin'?")) << error_of(args);
  args.loss_params = {{"distance_metric", std::string("chebyshev")}};
  EXPECT_THROW(resolve_stage_one_plugins(args, registry()), PluginError);  // the loss's own check
}

TEST(StageOnePlugins, SamplerParametersApplyToTheSamplerThatRuns) {
  TrainingArguments args;
  args.loss = "SupConLoss";  // needs label-grouped batches: group_by_label replaces oversampling
  args.sampler_params = {{"samples_per_label", std::int64_t{4}}};
  const auto plugins = resolve_stage_one_plugins(args, registry());
  EXPECT_TRUE(plugins.sampler_replaced);
  EXPECT_EQ(plugins.sampler, "group_by_label");
  EXPECT_EQ(plugins.sampler_params.get_int("samples_per_label"), 4);
  args.loss = "CosineSimilarityLoss";  // oversampling runs, and has no such parameter
  EXPECT_TRUE(contains(error_of(args), "sampler 'oversampling' has no parameter"))
      << error_of(args);
}

// The trained body after stage 1 with ContrastiveLoss under one distance.
std::vector<torch::Tensor> trained_with(const std::string& metric, bool via_loss_params) {
  auto body = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  auto model = std::make_shared<Model>(body, registry(), ModelOptions{});
  TrainingArguments args;
  args.loss = "ContrastiveLoss";
  args.num_epochs = PerStage<std::int64_t>(1, 0);
  args.batch_size = PerStage<std::int64_t>(8, 2);
  args.body_learning_rate = PerStage<double>(1e-2, 1e-5);
  if (via_loss_params) {
    args.loss_params = {{"distance_metric", metric}};
  } else {
    args.distance_metric = metric;
    args.user_set.insert("distance_metric");
  }
  Trainer trainer(model, args, registry());
  trainer.train_embedding(test::tiny_sentiment());
  std::vector<torch::Tensor> out;
  for (const auto& p : body->parameters()) out.push_back(p.detach().clone());
  return out;
}

bool same(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

TEST(StageOnePlugins, EuclideanAndManhattanDistancesChangeAContrastiveRun) {
  const auto cosine = trained_with("cosine", false);
  const auto euclidean = trained_with("euclidean", false);
  const auto manhattan = trained_with("manhattan", false);
  EXPECT_FALSE(same(cosine, euclidean));
  EXPECT_FALSE(same(cosine, manhattan));
  EXPECT_FALSE(same(euclidean, manhattan));
  // The same setting through [model] loss_params trains the same body.
  EXPECT_TRUE(same(euclidean, trained_with("euclidean", true)));
}

}  // namespace
}  // namespace setfit
