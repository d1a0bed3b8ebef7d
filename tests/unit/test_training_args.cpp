#include <gtest/gtest.h>

#include <cmath>

#include "setfit/errors.hpp"
#include "setfit/training_args.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

TrainingArguments parse(const std::string& body) {
  return TrainingArguments::from_toml("[args]\n" + body, "run.toml");
}

std::string error_of(const std::string& body) {
  try {
    parse(body);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

using test::contains;

TEST(TrainingArguments, DefaultsAreSetFits) {
  TrainingArguments args;
  EXPECT_EQ(args.batch_size, PerStage<std::int64_t>(16, 2));
  EXPECT_EQ(args.num_epochs, PerStage<std::int64_t>(1, 16));
  EXPECT_EQ(args.body_learning_rate, PerStage<double>(2e-5, 1e-5));
  EXPECT_DOUBLE_EQ(args.head_learning_rate, 1e-2);
  EXPECT_EQ(args.loss, "CosineSimilarityLoss");
  EXPECT_EQ(args.sampling_strategy, "oversampling");
  EXPECT_FALSE(args.num_iterations.has_value());
  EXPECT_FALSE(args.margin.has_value());
  EXPECT_DOUBLE_EQ(args.warmup_proportion, 0.1);
  EXPECT_EQ(args.seed, 42);
  EXPECT_NO_THROW(args.validate());
  EXPECT_TRUE(parse("").user_set.empty());
}

TEST(TrainingArguments, ScalarsBroadcastPairsSplit) {
  auto args = parse("batch_size = 32\nnum_epochs = [0, 8]\nbody_learning_rate = 1\n");
  EXPECT_EQ(args.batch_size, PerStage<std::int64_t>(32, 32));
  EXPECT_EQ(args.num_epochs.embedding, 0);
  EXPECT_EQ(args.num_epochs.classifier, 8);
  // An integer learning rate broadcasts too (SetFit breaks on it).
  EXPECT_EQ(args.body_learning_rate, PerStage<double>(1.0, 1.0));
  EXPECT_EQ(args.user_set,
            (std::set<std::string>{"batch_size", "num_epochs", "body_learning_rate"}));
}

TEST(TrainingArguments, ZeroWeightDecayMeansNone) {
  EXPECT_DOUBLE_EQ(parse("l2_weight = 0.0\n").l2_weight, 0.0);
}

TEST(TrainingArguments, ErrorsNameFileLineColumnKeyAndExpectation) {
  auto message = error_of("seed = 1\nbatch_size = [16, 2, 4]\n");
  EXPECT_TRUE(contains(message, "run.toml:3:14: [args] key 'batch_size'")) << message;
  EXPECT_TRUE(contains(message, "a list of two ([embedding, classifier]), got a list of 3"))
      << message;

  message = error_of("num_epochs = \"one\"\n");
  EXPECT_TRUE(contains(
      message, "run.toml:2:14: [args] key 'num_epochs': expected an integer or a list of two"))
      << message;
  message = error_of("batch_size = [16, \"2\"]\n");
  EXPECT_TRUE(contains(message,
                       "run.toml:2:19: [args] key 'batch_size': expected an integer, got a string"))
      << message;
  message = error_of("end_to_end = 1\n");
  EXPECT_TRUE(contains(message, "expected true or false, got an integer")) << message;
}

TEST(TrainingArguments, UnknownKeySuggestsTheNearest) {
  auto message = error_of("batchsize = 8\n");
  EXPECT_TRUE(contains(message,
                       "run.toml:2:1: [args] key 'batchsize': is not a training argument; did you "
                       "mean 'batch_size'?"))
      << message;
  EXPECT_FALSE(contains(error_of("zzzzzzzzzz = 1\n"), "did you mean"));
}

TEST(TrainingArguments, ValuesOutOfRangeAreRefused) {
  EXPECT_TRUE(contains(error_of("body_learning_rate = [-1e-5, 1e-5]\n"),
                       "embedding learning rate must not be negative"));
  EXPECT_TRUE(contains(error_of("warmup_proportion = 1.5\n"),
                       "key 'warmup_proportion': must be in [0, 1]"));
  EXPECT_TRUE(contains(error_of("batch_size = [0, 2]\n"), "batch size must be at least 1"));
  EXPECT_TRUE(contains(error_of("distance_metric = \"cosin\"\n"), "must be \"cosine\""));
  EXPECT_TRUE(contains(error_of("eval_strategy = \"sometimes\"\n"), "key 'eval_strategy'"));
  EXPECT_TRUE(contains(error_of("max_steps = 0\n"), "key 'max_steps'"));
  EXPECT_TRUE(contains(error_of("load_best_model_at_end = true\n"), "needs eval_strategy"));
  EXPECT_TRUE(contains(error_of("warmup_proportion = 1.5\n"), "run.toml: [args]"))
      << error_of("warmup_proportion = 1.5\n");
}

TEST(TrainingArguments, NanAndInfinityAreRefusedWhereTheyAreWritten) {
  for (const std::string line :
       {"body_learning_rate = nan", "body_learning_rate = inf", "body_learning_rate = [2e-5, -inf]",
        "head_learning_rate = nan", "l2_weight = inf", "margin = nan", "warmup_proportion = nan",
        "early_stopping_threshold = nan"}) {
    const auto message = error_of(line + "\n");
    const std::string key = line.substr(0, line.find(' '));
    EXPECT_TRUE(contains(message, "run.toml:2:")) << message;
    EXPECT_TRUE(contains(message, "key '" + key + "'")) << message;
    EXPECT_TRUE(contains(message, "expected a finite number, got")) << message;
  }
  // Values set in code are checked by validate() the same way.
  TrainingArguments args;
  args.warmup_proportion = std::nan("");
  EXPECT_THROW(args.validate(), Error);
  args = TrainingArguments();
  args.early_stopping_threshold = std::nan("");
  EXPECT_THROW(args.validate(), Error);
  args = TrainingArguments();
  args.body_learning_rate = PerStage<double>(HUGE_VAL);
  try {
    args.validate();
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "key 'body_learning_rate': must be a finite number, got inf"))
        << e.what();
  }
}

TEST(TrainingArguments, TomlSyntaxErrorsHaveAPosition) {
  auto message = error_of("batch_size = [16, 2\n");
  EXPECT_TRUE(contains(message, "run.toml:")) << message;
  EXPECT_TRUE(contains(message, "run.toml:2:") || contains(message, "run.toml:3:")) << message;
}

TEST(TrainingArguments, LegacyKeysMapToTheNewFormWithTwentyIterations) {
  auto args = parse("learning_rate = 3e-5\nloss_class = \"ContrastiveLoss\"\n");
  EXPECT_EQ(args.body_learning_rate, PerStage<double>(3e-5, 3e-5));
  EXPECT_DOUBLE_EQ(args.head_learning_rate, 3e-5);
  EXPECT_EQ(args.loss, "ContrastiveLoss");
  EXPECT_EQ(args.num_iterations, 20);
  EXPECT_EQ(parse("learning_rate = 3e-5\nnum_iterations = 5\n").num_iterations, 5);
}

TEST(TrainingArguments, EvalStepsAloneSwitchesEvaluationOn) {
  EXPECT_EQ(parse("eval_steps = 10\n").eval_strategy, "steps");
  EXPECT_EQ(parse("eval_steps = 10\neval_strategy = \"epoch\"\n").eval_strategy, "epoch");
}

TEST(TrainingArguments, RecordsCoverEveryFieldPerStageWithDefaults) {
  auto args = parse("batch_size = [32, 4]\n");
  auto records = args.records();
  std::size_t per_stage = 0;
  for (const auto& spec : TrainingArguments::schema()) per_stage += spec.per_stage;
  EXPECT_EQ(records.size(), TrainingArguments::schema().size() + per_stage);
  int found = 0;
  for (const auto& r : records) {
    if (r.key == "batch_size") {
      ++found;
      EXPECT_FALSE(r.is_default);
      EXPECT_EQ(r.value_num, r.stage == "embedding" ? 32.0 : 4.0);
    }
    if (r.key == "seed") {
      EXPECT_TRUE(r.is_default);
      EXPECT_EQ(r.stage, "global");
      EXPECT_EQ(r.value_text, "42");
    }
    if (r.key == "margin") {
      EXPECT_EQ(r.value_text, "unset");
    }
  }
  EXPECT_EQ(found, 2);
}

TEST(TrainingArguments, HelpListsEverySchemaField) {
  const std::string help = TrainingArguments::help();
  for (const auto& spec : TrainingArguments::schema())
    EXPECT_TRUE(contains(help, spec.name)) << spec.name;
}

TEST(TrainingArguments, MissingTableMeansDefaultsAndNonTableIsAnError) {
  EXPECT_TRUE(TrainingArguments::from_toml("[data]\ntrain = \"x\"\n", "c.toml").user_set.empty());
  try {
    TrainingArguments::from_toml("args = 3\n", "c.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "c.toml:1:8: [args] must be a table")) << e.what();
  }
}

}  // namespace
}  // namespace setfit
