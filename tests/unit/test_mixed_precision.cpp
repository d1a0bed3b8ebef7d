// use_amp: bf16 CPU autocast around the body's training passes. On a CPU without native bf16
// the trainer falls back to float32, and the tests check that fallback instead.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "../../framework/src/core/cpu_autocast.hpp"
#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/model.hpp"
#include "setfit/runtime.hpp"
#include "setfit/sentence_encoder.hpp"
#include "setfit/trainer.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

TEST(CpuAutocastScope, RunsLinearLayersInBf16AndRestoresTheState) {
  torch::manual_seed(0);
  torch::nn::Linear linear(4, 3);
  auto x = torch::randn({2, 4});
  ASSERT_FALSE(at::autocast::is_cpu_enabled());
  {
    detail::CpuAutocastScope outer;
    EXPECT_EQ(linear->forward(x).scalar_type(), torch::kBFloat16);
    {
      detail::CpuAutocastScope inner;
      EXPECT_EQ(linear->forward(x).scalar_type(), torch::kBFloat16);
    }
    EXPECT_TRUE(at::autocast::is_cpu_enabled());  // the inner scope kept the outer one's state
    EXPECT_EQ(linear->weight.scalar_type(), torch::kFloat32);
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_EQ(linear->forward(x).scalar_type(), torch::kFloat32);
}

std::vector<torch::Tensor> trained_body(bool use_amp, bool end_to_end) {
  auto body = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  ModelOptions options;
  options.head = end_to_end ? "linear" : "logistic_regression";
  auto model = std::make_shared<Model>(body, test::builtin_registry(), options);
  TrainingArguments args;
  args.num_epochs = PerStage<std::int64_t>(1, 2);
  args.body_learning_rate = PerStage<double>(1e-3, 1e-3);
  args.batch_size = PerStage<std::int64_t>(8, 4);
  args.end_to_end = end_to_end;
  args.use_amp = use_amp;
  Trainer trainer(model, args, test::builtin_registry());
  trainer.train(test::tiny_sentiment());
  std::size_t losses = 0;
  for (const auto& point : trainer.history()) {
    if (point.key != "loss") continue;
    ++losses;
    EXPECT_TRUE(std::isfinite(point.value)) << point.stage << " step " << point.step;
  }
  EXPECT_GT(losses, 0u);
  std::vector<torch::Tensor> out;
  for (auto& [name, p] : body->named_parameters()) {
    EXPECT_EQ(p.scalar_type(), torch::kFloat32) << name;  // master weights stay float32
    out.push_back(p.detach().clone());
  }
  return out;
}

void expect_amp_effect(bool end_to_end) {
  auto initial = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  auto fp32 = trained_body(false, end_to_end);
  auto amp = trained_body(true, end_to_end);
  std::size_t moved = 0, differs = 0, i = 0;
  for (auto& [name, p] : initial->named_parameters()) {
    moved += !torch::equal(p, amp[i]);
    differs += !torch::equal(fp32[i], amp[i]);
    ++i;
  }
  EXPECT_GT(moved, amp.size() / 2);  // training happened under autocast too
  if (runtime::cpu_has_native_bf16()) {
    EXPECT_GT(differs, 0u) << "use_amp changed nothing: the forward passes were not bf16";
  } else {
    EXPECT_EQ(differs, 0u) << "without native bf16, use_amp must fall back to float32";
  }
}

TEST(MixedPrecision, StageOneTrainsUnderBf16Autocast) {
  expect_amp_effect(false);
}

TEST(MixedPrecision, SameSeedGivesBitIdenticalBodiesUnderAmp) {
  auto first = trained_body(true, false);
  auto second = trained_body(true, false);
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(torch::equal(first[i], second[i]));
}

TEST(MixedPrecision, EndToEndStageTwoTrainsUnderBf16Autocast) {
  expect_amp_effect(true);
}

// bf16 inference: float32 outputs within cosine 0.999 of fp32 on both golden models where the
// CPU has native bf16; elsewhere bf16 falls back to fp32 (with a warning) and equals it.
TEST(InferencePrecision, Bf16EmbeddingsAreWithinCosine0999OfFp32) {
  const auto& expected = test::golden_expected("bert-tiny");
  const auto texts = expected["sentences"].get<std::vector<std::string>>();
  for (const char* name : {"bert-tiny", "mpnet-tiny"}) {
    SCOPED_TRACE(name);
    auto encoder = SentenceEncoder::load(test::golden_dir(name));
    EncodeOptions fp32, bf16, automatic;
    bf16.precision = Precision::Bf16;
    automatic.precision = Precision::Auto;
    const auto reference = encoder->encode(texts, fp32);
    const auto low = encoder->encode(texts, bf16);
    EXPECT_EQ(low.scalar_type(), torch::kFloat32);
    ASSERT_EQ(low.sizes(), reference.sizes());
    const auto cosine = torch::nn::functional::cosine_similarity(
        low, reference, torch::nn::functional::CosineSimilarityFuncOptions().dim(1));
    EXPECT_GE(cosine.min().item<double>(), 0.999);
    EXPECT_TRUE(torch::equal(encoder->encode(texts, automatic), low));
    if (runtime::cpu_has_native_bf16()) {
      EXPECT_EQ(resolve_precision(Precision::Auto), Precision::Bf16);
      EXPECT_FALSE(torch::equal(low, reference));  // really another precision
    } else {
      EXPECT_EQ(resolve_precision(Precision::Bf16), Precision::Fp32);
      EXPECT_TRUE(torch::equal(low, reference));
    }
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());  // nothing left switched on
}

TEST(InferencePrecision, ParsedFromItsNamesAndTheModelPredictsInIt) {
  EXPECT_EQ(parse_precision("fp32"), Precision::Fp32);
  EXPECT_EQ(parse_precision("bf16"), Precision::Bf16);
  EXPECT_EQ(parse_precision("auto"), Precision::Auto);
  try {
    parse_precision("fp16");
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "precision must be fp32, bf16 or auto, got 'fp16'");
  }
  auto model = Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry());
  TrainingArguments args;
  args.num_epochs = PerStage<std::int64_t>(0, 1);
  Trainer(model, args, test::builtin_registry()).train(test::tiny_sentiment());
  const auto texts = test::tiny_sentiment().texts;
  EXPECT_EQ(model->precision(), Precision::Fp32);
  const auto fp32 = model->predict_proba(texts);
  model->set_precision(Precision::Bf16);
  const auto bf16 = model->predict_proba(texts);
  EXPECT_LT((bf16 - fp32).abs().max().item<double>(), 0.02);
  EXPECT_EQ(runtime::cpu_has_native_bf16(), !torch::equal(bf16, fp32));
}

}  // namespace
}  // namespace setfit
