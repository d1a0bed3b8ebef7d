// The Model API: save_pretrained writes only safe files, from_pretrained brings back the
// same predictions, labels keep their order, and broken or unsafe head files are handled.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/model.hpp"
#include "setfit/safetensors.hpp"
#include "setfit/trainer.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

namespace fs = std::filesystem;
using test::contains;

std::shared_ptr<Model> trained_model(const std::string& head, ModelOptions options = {}) {
  options.head = head;
  auto model =
      Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry(), options);
  TrainingArguments args;
  args.num_epochs = PerStage<std::int64_t>(1, 3);
  args.body_learning_rate = PerStage<double>(1e-3, 1e-3);
  args.batch_size = PerStage<std::int64_t>(8, 4);
  Trainer(model, args, test::builtin_registry()).train(test::tiny_sentiment());
  return model;
}

TEST(Model, SaveAndLoadGiveTheSamePredictionsForEveryHead) {
  for (const std::string head : {"logistic_regression", "linear"}) {
    SCOPED_TRACE(head);
    auto model = trained_model(head);
    test::TempDir dir;
    model->save_pretrained(dir.path());
    // The safe format: safetensors and JSON only, never a pickle.
    EXPECT_TRUE(fs::exists(dir.path() / "model_head.safetensors"));
    EXPECT_TRUE(fs::exists(dir.path() / "config_setfit.json"));
    EXPECT_TRUE(fs::exists(dir.path() / "modules.json"));
    for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
      const auto ext = entry.path().extension();
      EXPECT_TRUE(ext != ".pkl" && ext != ".bin" && ext != ".pt") << entry.path();
    }
    auto loaded = Model::from_pretrained(dir.path(), test::builtin_registry());
    ASSERT_TRUE(loaded->head_ready());
    EXPECT_EQ(loaded->labels(), model->labels());
    EXPECT_EQ(loaded->options().head, head);
    const auto texts = test::tiny_sentiment().texts;
    EXPECT_TRUE(
        torch::allclose(loaded->predict_proba(texts), model->predict_proba(texts), 0, 1e-6));
    EXPECT_EQ(loaded->predict(texts), model->predict(texts));
  }
}

// model.static_token_limit travels with a saved model to its body.
TEST(Model, TheStaticTokenLimitIsSavedAndGivenToTheBody) {
  ModelOptions options;
  options.static_token_limit = 77;
  auto model = trained_model("logistic_regression", options);
  EXPECT_EQ(model->body()->static_token_limit(), 77u);
  test::TempDir dir;
  model->save_pretrained(dir.path());
  auto loaded = Model::from_pretrained(dir.path(), test::builtin_registry());
  EXPECT_EQ(loaded->options().static_token_limit, 77u);
  EXPECT_EQ(loaded->body()->static_token_limit(), 77u);
}

TEST(Model, ProbabilityColumnsFollowTheLabelOrder) {
  auto model = trained_model("logistic_regression");
  const auto texts = test::tiny_sentiment().texts;
  auto proba = model->predict_proba(texts);
  ASSERT_EQ(proba.sizes(), (std::vector<std::int64_t>{8, 2}));
  EXPECT_TRUE(torch::allclose(proba.sum(1), torch::ones({8}), 0, 1e-5));
  const auto names = model->predict(texts);
  const auto indices = model->predict_indices(texts);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(names[i], model->labels()[static_cast<std::size_t>(indices[i])]);
    EXPECT_EQ(indices[i], proba[static_cast<std::int64_t>(i)].argmax().item<std::int64_t>());
  }
}

TEST(Model, APickledHeadIsNeverLoaded) {
  auto model = trained_model("logistic_regression");
  test::TempDir dir;
  model->save_pretrained(dir.path());
  fs::remove(dir.path() / "model_head.safetensors");
  // What Python SetFit writes: a pickle. It must be ignored, not executed or parsed.
  std::ofstream(dir.path() / "model_head.pkl") << "\x80\x04 not really a pickle";
  auto loaded = Model::from_pretrained(dir.path(), test::builtin_registry());
  EXPECT_FALSE(loaded->head_ready());
  EXPECT_EQ(loaded->labels(), model->labels());  // config_setfit.json still gives the labels
  EXPECT_THROW(loaded->predict_proba({"text"}), Error);
}

TEST(Model, AHeadFileThatDoesNotFitIsRefusedByName) {
  auto model = trained_model("logistic_regression");
  test::TempDir dir;
  model->save_pretrained(dir.path());
  write_safetensors(dir.path() / "model_head.safetensors",
                    {{"weight", torch::zeros({1, 5}, torch::kFloat64)},
                     {"bias", torch::zeros({1}, torch::kFloat64)}});
  try {
    Model::from_pretrained(dir.path(), test::builtin_registry());
    FAIL() << "a wrongly shaped head was accepted";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "model_head.safetensors")) << e.what();
    EXPECT_TRUE(contains(e.what(), "'weight'")) << e.what();
  }
  write_safetensors(dir.path() / "model_head.safetensors",
                    {{"coef", torch::zeros({1, 32}, torch::kFloat64)}});
  EXPECT_THROW(Model::from_pretrained(dir.path(), test::builtin_registry()), Error);
}

TEST(Model, UnknownStrategyAndUntrainedUseAreClearErrors) {
  ModelOptions options;
  options.multi_target_strategy = "one-vs-everyone";
  try {
    Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry(), options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "one-vs-rest")) << e.what();
  }
  auto fresh = Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry());
  EXPECT_THROW(fresh->predict({"hello"}), Error);
  test::TempDir dir;
  EXPECT_THROW(fresh->save_pretrained(dir.path()), Error);
}

}  // namespace
}  // namespace setfit
