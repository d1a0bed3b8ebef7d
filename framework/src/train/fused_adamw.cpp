#include "fused_adamw.hpp"

#include <ATen/Parallel.h>
#include <c10/util/string_utils.h>

#include <cmath>

namespace setfit::detail {
namespace {

bool fusable(const torch::Tensor& p) {
  return p.device().is_cpu() && p.scalar_type() == torch::kFloat32 && p.is_contiguous() &&
         p.grad().is_contiguous() && p.grad().scalar_type() == torch::kFloat32 &&
         !p.grad().is_sparse();
}

// Elements per task of the intra-op pool: a few hundred KB of each array.
constexpr std::int64_t kGrain = 1 << 15;

}  // namespace

void fused_adamw_step(torch::optim::AdamW& optimizer) {
  for (const auto& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    for (const auto& p : group.params())
      if (options.amsgrad() || (p.grad().defined() && !fusable(p))) {
        optimizer.step();
        return;
      }
  }
  torch::NoGradGuard no_grad;
  auto& states = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const double lr = options.lr();
    const auto [beta1, beta2] = options.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      // The state as LibTorch keys and creates it.
      const auto key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto found = states.find(key);
      if (found == states.end()) {
        auto state = std::make_unique<torch::optim::AdamWParamState>();
        state->step(0);
        state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        found = states.emplace(key, std::move(state)).first;
      }
      auto& state = static_cast<torch::optim::AdamWParamState&>(*found->second);
      state.step(state.step() + 1);
      const auto step = static_cast<double>(state.step());
      // Scalars as LibTorch's float kernels take them: computed in double, used as float.
      const auto decay = static_cast<float>(1.0 - lr * options.weight_decay());
      const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
      const auto one_minus_b1 = static_cast<float>(1.0 - beta1);
      const auto one_minus_b2 = static_cast<float>(1.0 - beta2);
      const auto correction2 = static_cast<float>(std::sqrt(1.0 - std::pow(beta2, step)));
      const auto eps = static_cast<float>(options.eps());
      const auto step_size = static_cast<float>(-lr / (1.0 - std::pow(beta1, step)));
      const bool decays = options.weight_decay() != 0;

      float* param = p.data_ptr<float>();
      const float* grad = p.grad().data_ptr<float>();
      float* m = state.exp_avg().data_ptr<float>();
      float* v = state.exp_avg_sq().data_ptr<float>();
      at::parallel_for(0, p.numel(), kGrain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          const float g = grad[i];
          float x = decays ? param[i] * decay : param[i];
          const float mi = m[i] * b1 + one_minus_b1 * g;
          const float vi = v[i] * b2 + one_minus_b2 * g * g;
          m[i] = mi;
          v[i] = vi;
          x += step_size * (mi / (std::sqrt(vi) / correction2 + eps));
          param[i] = x;
        }
      });
    }
  }
}

}  // namespace setfit::detail
