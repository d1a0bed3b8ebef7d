// The two-stage trainer on the tiny golden BERT: which parameters change in which stage,
// freezing restored afterwards, determinism under a seed.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "builtin_registry.hpp"
#include "golden.hpp"
#include "tiny_data.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/trainer.hpp"

namespace setfit {
namespace {

PluginRegistry& registry() {
  return test::builtin_registry();
}

Dataset tiny_data() {
  return test::tiny_sentiment();
}

std::vector<torch::Tensor> snapshot(const SentenceEncoder& body) {
  std::vector<torch::Tensor> out;
  for (auto& [name, p] : body.named_parameters()) out.push_back(p.detach().clone());
  return out;
}

bool same(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

std::shared_ptr<Model> model_of(std::shared_ptr<SentenceEncoder> body, const std::string& head) {
  ModelOptions options;
  options.head = head;
  return std::make_shared<Model>(std::move(body), registry(), options);
}

TrainingArguments quick_args() {
  TrainingArguments args;
  args.num_epochs = PerStage<std::int64_t>(1, 3);
  args.body_learning_rate = PerStage<double>(1e-3, 1e-3);
  args.batch_size = PerStage<std::int64_t>(8, 4);
  args.logging_steps = 1;
  return args;
}

TEST(Trainer, StageOneTrainsTheBodyAndStageTwoFitsTheHead) {
  auto body = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  auto model = model_of(body, "logistic_regression");
  auto before = snapshot(*body);
  // The user froze one tensor: training must leave it alone and keep it frozen.
  auto params = body->named_parameters();
  params.front().second.set_requires_grad(false);
  Trainer trainer(model, quick_args(), registry());
  trainer.train(tiny_data());
  auto after = snapshot(*body);
  EXPECT_TRUE(torch::equal(before.front(), after.front()));
  EXPECT_FALSE(body->named_parameters().front().second.requires_grad());
  std::size_t changed = 0;
  for (std::size_t i = 1; i < before.size(); ++i) changed += !torch::equal(before[i], after[i]);
  EXPECT_GT(changed, before.size() / 2);
  for (std::size_t i = 1; i < params.size(); ++i)
    EXPECT_TRUE(params[i].second.requires_grad()) << params[i].first;
  // Stage-1 losses were logged every step.
  EXPECT_FALSE(trainer.history().empty());
  EXPECT_EQ(trainer.history().front().stage, "embedding");
  auto proba = model->predict_proba(tiny_data().texts);
  EXPECT_EQ(proba.sizes(), (std::vector<int64_t>{8, 2}));
}

TEST(Trainer, LinearProbeLeavesTheBodyUntouched) {
  auto body = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  auto before = snapshot(*body);
  auto args = quick_args();
  args.num_epochs = PerStage<std::int64_t>(0, 3);
  Trainer(model_of(body, "logistic_regression"), args, registry()).train(tiny_data());
  EXPECT_TRUE(same(before, snapshot(*body)));
}

TEST(Trainer, DifferentiableHeadOnAFrozenBodyOnlyMovesTheHead) {
  auto body = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  auto before = snapshot(*body);
  auto args = quick_args();
  args.num_epochs = PerStage<std::int64_t>(0, 4);
  Trainer trainer(model_of(body, "linear"), args, registry());
  trainer.train(tiny_data());
  EXPECT_TRUE(same(before, snapshot(*body)));
  EXPECT_EQ(trainer.history().back().stage, "classifier");
  for (auto& [name, p] : body->named_parameters())
    EXPECT_TRUE(p.requires_grad()) << name;  // restored
}

TEST(Trainer, EndToEndMovesTheBodyInStageTwo) {
  auto body = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  auto before = snapshot(*body);
  auto args = quick_args();
  args.num_epochs = PerStage<std::int64_t>(0, 2);
  args.end_to_end = true;
  Trainer(model_of(body, "linear"), args, registry()).train(tiny_data());
  EXPECT_FALSE(same(before, snapshot(*body)));
}

TEST(Trainer, SameSeedGivesBitIdenticalBodies) {
  auto run = [] {
    auto body = SentenceEncoder::load(test::golden_dir("mpnet-tiny"));
    Trainer(model_of(body, "logistic_regression"), quick_args(), registry()).train(tiny_data());
    return snapshot(*body);
  };
  EXPECT_TRUE(same(run(), run()));
}

TEST(Trainer, BatchLossesTrainOnLabelGroupedBatches) {
  auto body = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  auto before = snapshot(*body);
  auto args = quick_args();
  args.loss =
      "BatchHardTripletLoss";  // sampling_strategy stays oversampling: replaced automatically
  Trainer trainer(model_of(body, "logistic_regression"), args, registry());
  trainer.train(tiny_data());
  EXPECT_FALSE(same(before, snapshot(*body)));
  EXPECT_EQ(trainer.history().front().stage, "embedding");
}

TEST(Trainer, ClearErrorsForImpossibleSetups) {
  auto body = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  auto args = quick_args();
  args.end_to_end = true;
  EXPECT_THROW(Trainer(model_of(body, "logistic_regression"), args, registry()), Error);
  Dataset one_label = tiny_data();
  one_label.label_names = {"only"};
  for (auto& l : one_label.labels) l = {0};
  Trainer trainer(model_of(body, "logistic_regression"), quick_args(), registry());
  EXPECT_THROW(trainer.train(one_label), Error);
  args = quick_args();
  args.loss = "NoSuchLoss";
  Trainer unknown(model_of(body, "logistic_regression"), args, registry());
  EXPECT_THROW(unknown.train(tiny_data()), UnknownComponent);
}

}  // namespace
}  // namespace setfit
