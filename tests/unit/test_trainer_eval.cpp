// Evaluation during training: task metrics in both stages, early stopping, the best state
// restored at the end, checkpoints holding body and head.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "../../framework/src/train/stage_monitor.hpp"
#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/model.hpp"
#include "setfit/trainer.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<Model> fresh_model(const std::string& head) {
  ModelOptions options;
  options.head = head;
  return Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry(), options);
}

TrainingArguments eval_args() {
  TrainingArguments args;
  args.num_epochs = PerStage<std::int64_t>(2, 4);
  args.body_learning_rate = PerStage<double>(1e-3, 1e-3);
  args.batch_size = PerStage<std::int64_t>(8, 4);
  args.eval_strategy = "steps";
  args.eval_steps = 2;
  return args;
}

std::vector<MetricPoint> points(const Trainer& trainer, const std::string& stage,
                                const std::string& key) {
  std::vector<MetricPoint> out;
  for (const auto& p : trainer.history()) {
    if (p.stage == stage && p.key == key) out.push_back(p);
  }
  return out;
}

TEST(TrainerEval, BothStagesReportTheTaskMetricOnTheEvalSet) {
  const auto data = test::tiny_sentiment();
  Trainer trainer(fresh_model("linear"), eval_args(), test::builtin_registry(),
                  EvalOptions{{"accuracy", "f1"}, ""});
  trainer.train(data, &data);
  const auto stage_one = points(trainer, "embedding", "eval_embedding_loss");
  ASSERT_FALSE(stage_one.empty());
  EXPECT_EQ(stage_one.front().step, 2);
  const auto stage_two = points(trainer, "classifier", "eval_accuracy");
  ASSERT_FALSE(stage_two.empty());
  EXPECT_FALSE(points(trainer, "classifier", "eval_f1").empty());
  for (const auto& p : stage_two) EXPECT_TRUE(p.value >= 0 && p.value <= 1);
  const auto final_metrics = trainer.evaluate(data);
  EXPECT_EQ(final_metrics.count("accuracy"), 1u);
  EXPECT_EQ(final_metrics.count("f1"), 1u);
}

TEST(TrainerEval, AFittedHeadGivesTaskMetricsDuringStageOne) {
  const auto data = test::tiny_sentiment();
  Trainer trainer(fresh_model("logistic_regression"), eval_args(), test::builtin_registry());
  trainer.train(data, &data);
  EXPECT_FALSE(points(trainer, "embedding", "eval_accuracy").empty());
}

TEST(TrainerEval, EarlyStoppingEndsTheStage) {
  const auto data = test::tiny_sentiment();
  auto args = eval_args();
  args.num_epochs = PerStage<std::int64_t>(0, 50);
  args.eval_steps = 1;
  args.logging_steps = 1;
  args.metric_for_best_model = "accuracy";
  args.greater_is_better = true;
  args.early_stopping_patience = 2;
  args.early_stopping_threshold = 10.0;  // nothing can improve by that much
  Trainer trainer(fresh_model("linear"), args, test::builtin_registry());
  trainer.train(data, &data);
  // The first evaluation sets the best; two more without improvement stop the stage.
  EXPECT_EQ(points(trainer, "classifier", "eval_accuracy").size(), 3u);
  EXPECT_EQ(points(trainer, "classifier", "loss").size(), 3u);  // of 100 possible steps
}

TEST(TrainerEval, LoadBestModelAtEndRestoresTheBestStateOfEachStage) {
  const auto data = test::tiny_sentiment();
  auto args = eval_args();
  args.eval_steps = 1;
  args.body_learning_rate = PerStage<double>(5e-3, 1e-3);
  args.metric_for_best_model = "eval_accuracy";
  args.greater_is_better = true;
  args.load_best_model_at_end = true;
  for (const std::string head : {"logistic_regression", "linear"}) {
    SCOPED_TRACE(head);
    Trainer trainer(fresh_model(head), args, test::builtin_registry());
    trainer.train(data, &data);
    const std::string stage = head == "linear" ? "classifier" : "embedding";
    const auto history = points(trainer, stage, "eval_accuracy");
    ASSERT_FALSE(history.empty());
    double best = 0;
    for (const auto& p : history) best = std::max(best, p.value);
    // A fitted head on the restored body (stage 1), or the restored head (stage 2),
    // scores exactly the best evaluation.
    EXPECT_DOUBLE_EQ(trainer.evaluate(data).at("accuracy"), best);
  }
}

TEST(TrainerEval, CheckpointsHoldABodyAndAHeadThatPredict) {
  const auto data = test::tiny_sentiment();
  test::TempDir dir;
  auto args = eval_args();
  args.eval_strategy = "no";
  args.eval_steps.reset();
  args.save_strategy = "epoch";
  args.output_dir = (dir.path() / "checkpoints").string();
  Trainer trainer(fresh_model("logistic_regression"), args, test::builtin_registry());
  trainer.train(data);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path() / "checkpoints"))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  // Stage 1: one per epoch (40 oversampled pairs = 5 steps of 8); stage 2: the fitted head.
  EXPECT_EQ(names, (std::vector<std::string>{"checkpoint-classifier-0", "checkpoint-embedding-10",
                                             "checkpoint-embedding-5"}));
  for (const auto& name : names) {
    auto loaded =
        Model::from_pretrained(dir.path() / "checkpoints" / name, test::builtin_registry());
    ASSERT_TRUE(loaded->head_ready()) << name;
    EXPECT_EQ(loaded->predict(data.texts).size(), data.size());
  }
  // The last stage-1 checkpoint holds the final body: same embeddings as the model.
  auto last = Model::from_pretrained(dir.path() / "checkpoints" / "checkpoint-embedding-10",
                                     test::builtin_registry());
  EXPECT_TRUE(
      torch::allclose(last->encode(data.texts), trainer.model()->encode(data.texts), 0, 1e-6));
}

TEST(TrainerEval, EvaluationSettingsAreValidated) {
  auto args = eval_args();
  args.eval_strategy = "no";
  args.eval_steps.reset();
  args.early_stopping_patience = 2;
  EXPECT_THROW(args.validate(), Error);
  args = eval_args();
  args.metric_for_best_model = "acuracy";
  EXPECT_THROW(args.validate(), Error);
  args = eval_args();
  EXPECT_THROW(Trainer(fresh_model("linear"), args, test::builtin_registry(),
                       EvalOptions{{"no_such_metric"}, ""}),
               Error);
}

TEST(StageMonitor, SchedulesAndPatience) {
  TrainingArguments args;
  args.eval_strategy = "steps";
  args.eval_steps = 3;
  args.save_strategy = "epoch";
  args.metric_for_best_model = "eval_loss_like";
  args.early_stopping_patience = 2;
  detail::StageMonitor monitor(args, true);
  EXPECT_FALSE(monitor.evaluate_now(2, false));
  EXPECT_TRUE(monitor.evaluate_now(3, false));
  EXPECT_TRUE(monitor.evaluate_now(6, false));
  EXPECT_FALSE(monitor.evaluate_now(6, true));
  EXPECT_TRUE(monitor.save_now(4, true));
  EXPECT_FALSE(monitor.save_now(4, false));
  EXPECT_TRUE(monitor.record({{"loss_like", 1.0}}));
  EXPECT_TRUE(monitor.record({{"loss_like", 0.5}}));  // lower is better by default
  EXPECT_FALSE(monitor.record({{"loss_like", 0.7}}));
  EXPECT_FALSE(monitor.should_stop());
  EXPECT_FALSE(monitor.record({{"other", 0.1}}));  // absent metric: ignored
  EXPECT_FALSE(monitor.record({{"loss_like", 0.6}}));
  EXPECT_TRUE(monitor.should_stop());
  detail::StageMonitor without_eval(args, false);
  EXPECT_FALSE(without_eval.evaluate_now(3, false));
}

}  // namespace
}  // namespace setfit
