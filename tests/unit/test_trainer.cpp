// The two-stage trainer on the tiny golden BERT: which parameters change in which stage,
// freezing restored afterwards, determinism under a seed.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/trainer.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

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

// dedupe_pair_texts encodes each distinct text of a batch once. Without dropout that is the
// same computation as two forward passes (up to float rounding); with dropout it is another
// noise, still determined by the seed.
struct DedupeRun {
  std::vector<double> losses;
  std::vector<torch::Tensor> body;
  std::vector<std::string> names;
};

DedupeRun train_stage_one(const std::filesystem::path& dir, bool dedupe) {
  auto body = SentenceEncoder::load(dir);
  auto model = model_of(body, "logistic_regression");
  auto args = quick_args();
  args.dedupe_pair_texts = dedupe;
  Trainer trainer(model, args, registry());
  trainer.train(tiny_data());
  DedupeRun run;
  for (const auto& point : trainer.history())
    if (point.stage == "embedding" && point.key == "loss") run.losses.push_back(point.value);
  run.body = snapshot(*body);
  for (const auto& [name, p] : body->named_parameters()) run.names.push_back(name);
  return run;
}

TEST(Trainer, DedupedPairTextsGiveTheSameTrainingWithoutDropout) {
  test::TempDir dir;
  const auto model = dir.path() / "bert-tiny";
  std::filesystem::copy(test::golden_dir("bert-tiny"), model,
                        std::filesystem::copy_options::recursive);
  for (auto& entry : std::filesystem::recursive_directory_iterator(model))
    std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  auto config = nlohmann::json::parse(test::read_file(model / "config.json"));
  config["hidden_dropout_prob"] = 0.0;
  config["attention_probs_dropout_prob"] = 0.0;
  std::ofstream(model / "config.json") << config.dump();

  const auto plain = train_stage_one(model, false);
  const auto deduped = train_stage_one(model, true);
  ASSERT_EQ(plain.losses.size(), deduped.losses.size());
  ASSERT_GT(plain.losses.size(), 1u);
  for (std::size_t i = 0; i < plain.losses.size(); ++i)
    EXPECT_NEAR(plain.losses[i], deduped.losses[i], 1e-5 * std::abs(plain.losses[i]) + 1e-7) << i;
  for (std::size_t i = 0; i < plain.body.size(); ++i) {
    // A key bias shifts every score of a query alike, so softmax cancels it: its gradient is
    // rounding noise, which AdamW scales up to full steps in either case.
    if (plain.names[i].find("attention.self.key.bias") != std::string::npos) continue;
    EXPECT_TRUE(torch::allclose(plain.body[i], deduped.body[i], 1e-4, 1e-6)) << plain.names[i];
  }
}

TEST(Trainer, DedupedPairTextsWithDropoutAreDeterministicAndAnotherNoise) {
  const auto first = train_stage_one(test::golden_dir("bert-tiny"), true);
  const auto second = train_stage_one(test::golden_dir("bert-tiny"), true);
  const auto plain = train_stage_one(test::golden_dir("bert-tiny"), false);
  EXPECT_EQ(first.losses, second.losses);
  EXPECT_TRUE(same(first.body, second.body));
  EXPECT_NE(first.losses, plain.losses);  // the masks differ: tiny_data repeats texts in a batch
}

}  // namespace
}  // namespace setfit
