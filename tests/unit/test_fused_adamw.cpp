// The fused AdamW step against LibTorch's: the same parameters and moments to float
// rounding, over steps with changing learning rates, two groups, a parameter without a
// gradient, and LibTorch's step taking over from the fused one.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../../framework/src/train/fused_adamw.hpp"

namespace setfit {
namespace {

std::vector<torch::Tensor> make_parameters(torch::ScalarType type = torch::kFloat32) {
  torch::manual_seed(3);
  std::vector<torch::Tensor> params;
  for (const auto& shape : std::vector<std::vector<std::int64_t>>{{300, 70}, {70}, {5, 3, 2}})
    params.push_back(torch::randn(shape).to(type).requires_grad_(true));
  return params;
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

// Two groups as the trainer builds them: decayed weights, and the rest without decay.
torch::optim::AdamW optimizer_over(const std::vector<torch::Tensor>& params) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{params[0], params[2]},
                      std::make_unique<torch::optim::AdamWOptions>(
                          torch::optim::AdamWOptions(1e-2).weight_decay(0.01).eps(1e-8)));
  groups.emplace_back(std::vector<torch::Tensor>{params[1]},
                      std::make_unique<torch::optim::AdamWOptions>(
                          torch::optim::AdamWOptions(1e-2).weight_decay(0.0).eps(1e-8)));
  return torch::optim::AdamW(std::move(groups));
}

// The same gradients for both sets; `skip` (an index or -1) gets none this step.
void set_gradients(std::vector<torch::Tensor>& a, std::vector<torch::Tensor>& b, int step,
                   int skip) {
  torch::manual_seed(100 + step);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (static_cast<int>(i) == skip) {
      a[i].mutable_grad() = torch::Tensor();
      b[i].mutable_grad() = torch::Tensor();
      continue;
    }
    auto g = torch::randn(a[i].sizes()).to(a[i].scalar_type()) * (step % 2 ? 1e-3 : 1.0);
    a[i].mutable_grad() = g.clone();
    b[i].mutable_grad() = g.clone();
  }
}

void set_rate(torch::optim::AdamW& optimizer, double rate) {
  for (auto& group : optimizer.param_groups())
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(rate);
}

void expect_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6))
        << "parameter " << i << ": largest difference " << (a[i] - b[i]).abs().max().item<double>();
}

TEST(FusedAdamW, MatchesLibTorchsStepOverStepsGroupsAndRates) {
  auto reference = make_parameters();
  auto fused = copies(reference);
  auto reference_optimizer = optimizer_over(reference);
  auto fused_optimizer = optimizer_over(fused);
  for (int step = 0; step < 6; ++step) {
    // Parameter 2 gets no gradient at step 3: neither step touches it or its state then.
    set_gradients(reference, fused, step, step == 3 ? 2 : -1);
    set_rate(reference_optimizer, 1e-2 / (step + 1));
    set_rate(fused_optimizer, 1e-2 / (step + 1));
    reference_optimizer.step();
    detail::fused_adamw_step(fused_optimizer);
    expect_close(reference, fused);
  }
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const auto key = c10::guts::to_string(reference[i].unsafeGetTensorImpl());
    const auto fused_key = c10::guts::to_string(fused[i].unsafeGetTensorImpl());
    const auto& a =
        static_cast<torch::optim::AdamWParamState&>(*reference_optimizer.state().at(key));
    const auto& b =
        static_cast<torch::optim::AdamWParamState&>(*fused_optimizer.state().at(fused_key));
    EXPECT_EQ(a.step(), b.step());
    EXPECT_TRUE(torch::allclose(a.exp_avg(), b.exp_avg(), 1e-5, 1e-7));
    EXPECT_TRUE(torch::allclose(a.exp_avg_sq(), b.exp_avg_sq(), 1e-5, 1e-9));
  }
  EXPECT_EQ(static_cast<torch::optim::AdamWParamState&>(
                *fused_optimizer.state().at(c10::guts::to_string(fused[2].unsafeGetTensorImpl())))
                .step(),
            5);
  // LibTorch's own step continues from the fused one's state.
  set_gradients(reference, fused, 6, -1);
  reference_optimizer.step();
  fused_optimizer.step();
  expect_close(reference, fused);
}

TEST(FusedAdamW, ParametersItCannotFuseTakeLibTorchsStep) {
  auto reference = make_parameters(torch::kFloat64);
  auto fused = copies(reference);
  auto reference_optimizer = optimizer_over(reference);
  auto fused_optimizer = optimizer_over(fused);
  for (int step = 0; step < 3; ++step) {
    set_gradients(reference, fused, step, -1);
    reference_optimizer.step();
    detail::fused_adamw_step(fused_optimizer);
    for (std::size_t i = 0; i < reference.size(); ++i)
      EXPECT_TRUE(torch::equal(reference[i], fused[i])) << i;
  }
}

}  // namespace
}  // namespace setfit
