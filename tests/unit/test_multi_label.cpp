// Multi-label data: per-label heads (one-vs-rest, multi-output, classifier-chain) and the
// differentiable head's sigmoid outputs, saved and loaded; multi-label metrics.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/metrics.hpp"
#include "setfit/model.hpp"
#include "setfit/safetensors.hpp"
#include "setfit/trainer.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

using test::contains;

TrainingArguments quick_args() {
  TrainingArguments args;
  args.num_epochs = PerStage<std::int64_t>(1, 20);
  args.body_learning_rate = PerStage<double>(1e-3, 1e-3);
  args.batch_size = PerStage<std::int64_t>(8, 4);
  return args;
}

std::shared_ptr<Model> train_topics(const std::string& head, const std::string& strategy) {
  ModelOptions options;
  options.head = head;
  options.multi_target_strategy = strategy;
  auto model =
      Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry(), options);
  Trainer(model, quick_args(), test::builtin_registry()).train(test::tiny_topics());
  return model;
}

TEST(MultiLabel, EveryStrategyGivesOneProbabilityPerLabelAndSurvivesSaving) {
  const auto data = test::tiny_topics();
  for (const auto& [head, strategy] :
       std::vector<std::pair<std::string, std::string>>{{"logistic_regression", "one-vs-rest"},
                                                        {"logistic_regression", "multi-output"},
                                                        {"logistic_regression", "classifier-chain"},
                                                        {"linear", "one-vs-rest"}}) {
    SCOPED_TRACE(head + " " + strategy);
    auto model = train_topics(head, strategy);
    EXPECT_TRUE(model->multi_label());
    auto proba = model->predict_proba(data.texts);
    ASSERT_EQ(proba.sizes(), (std::vector<std::int64_t>{12, 3}));
    EXPECT_TRUE((proba >= 0).all().item<bool>() && (proba <= 1).all().item<bool>());
    // Several labels may be chosen at once: the rows do not have to sum to one.
    const auto chosen = model->predict_multi_label(data.texts);
    ASSERT_EQ(chosen.size(), data.size());
    test::TempDir dir;
    model->save_pretrained(dir.path());
    auto loaded = Model::from_pretrained(dir.path(), test::builtin_registry());
    EXPECT_EQ(loaded->options().multi_target_strategy, strategy);
    EXPECT_TRUE(torch::allclose(loaded->predict_proba(data.texts), proba, 0, 1e-6));
    EXPECT_THROW(model->predict(data.texts), Error);  // single-label API on a multi-label model
  }
}

TEST(MultiLabel, ClassifierChainFeedsEarlierLabelsToLaterHeads) {
  auto model = train_topics("logistic_regression", "classifier-chain");
  test::TempDir dir;
  model->save_pretrained(dir.path());
  const auto file = SafetensorsFile::open(dir.path() / "model_head.safetensors");
  // Head k sees the 32-d embedding plus k earlier labels.
  for (int k = 0; k < 3; ++k) {
    const auto* entry = file.find("label_" + std::to_string(k) + ".weight");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->shape, (std::vector<std::int64_t>{1, 32 + k}));
  }
}

TEST(MultiLabel, TheLinearHeadSwitchesToSigmoidOutputs) {
  auto model = train_topics("linear", "multi-output");
  ASSERT_TRUE(model->head_params().count("multi_target"));
  EXPECT_TRUE(std::get<bool>(model->head_params().at("multi_target")));
}

TEST(MultiLabel, MultiLabelDataOnASingleLabelModelSaysWhatToSet) {
  auto model = Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry());
  try {
    Trainer(model, quick_args(), test::builtin_registry()).train(test::tiny_topics());
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "multi_target_strategy")) << e.what();
  }
}

TEST(MultiLabel, MetricsMatchHandComputedValues) {
  // Rows: exact, one missed label, one extra label, both wrong.
  const std::vector<std::vector<std::uint8_t>> truth = {{1, 0, 1}, {1, 1, 0}, {0, 1, 0}, {1, 0, 0}};
  const std::vector<std::vector<std::uint8_t>> guess = {{1, 0, 1}, {1, 0, 0}, {0, 1, 1}, {0, 1, 0}};
  auto m =
      compute_multi_label_metrics(truth, guess, {"accuracy", "precision", "recall", "f1"}, "micro");
  // tp = 2 + 1 + 1 + 0 = 4, fp = 0 + 0 + 1 + 1 = 2, fn = 0 + 1 + 0 + 1 = 2.
  EXPECT_DOUBLE_EQ(m["accuracy"], 0.25);
  EXPECT_DOUBLE_EQ(m["precision"], 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(m["recall"], 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(m["f1"], 4.0 / 6.0);
  // Macro: label 0 p=2/2 r=2/3; label 1 p=1/2 r=1/2; label 2 p=1/2 r=1/1.
  auto macro = compute_multi_label_metrics(truth, guess, {"precision", "recall"}, "macro");
  EXPECT_NEAR(macro["precision"], (1.0 + 0.5 + 0.5) / 3, 1e-12);
  EXPECT_NEAR(macro["recall"], (2.0 / 3 + 0.5 + 1.0) / 3, 1e-12);
  // Samples: per-row precision 1, 1, 1/2, 0.
  auto samples = compute_multi_label_metrics(truth, guess, {"precision"}, "samples");
  EXPECT_NEAR(samples["precision"], 2.5 / 4, 1e-12);
  EXPECT_THROW(compute_multi_label_metrics(truth, guess, {"mae"}, "micro"), Error);
  EXPECT_THROW(compute_multi_label_metrics(truth, guess, {"f1"}, "binary"), Error);
}

}  // namespace
}  // namespace setfit
