#include "transformer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "architecture.hpp"
#include "setfit/errors.hpp"

namespace setfit::body {

std::shared_ptr<TransformerEncoder> make_encoder(const TransformerConfig& config) {
  return find_architecture(config.model_type, "config").create(config);
}

torch::Tensor activation(const torch::Tensor& x, const std::string& name) {
  namespace F = torch::nn::functional;
  if (name == "gelu") return F::gelu(x);  // the exact erf form
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") {
    return F::gelu(x, F::GELUFuncOptions().approximate("tanh"));
  }
  if (name == "relu") return torch::relu(x);
  if (name == "silu" || name == "swish") return F::silu(x);
  if (name == "tanh") return torch::tanh(x);
  check_activation_name(name, "config.json");  // throws: the name is unknown
  throw Error(fmt::format("hidden_act '{}' is known but has no implementation", name));
}

torch::nn::LayerNorm layer_norm(std::int64_t size, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({size}).eps(eps));
}

torch::Tensor additive_attention_mask(const torch::Tensor& attention_mask, torch::ScalarType type) {
  auto mask = attention_mask.to(type).unsqueeze(1).unsqueeze(2);
  const double lowest = type == torch::kFloat64 ? std::numeric_limits<double>::lowest()
                                                : std::numeric_limits<float>::lowest();
  return (1.0 - mask) * lowest;
}

torch::Tensor multi_head_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, std::int64_t heads,
                                   const torch::Tensor& additive_mask, const torch::Tensor& bias,
                                   double dropout, bool training) {
  const auto batch = q.size(0);
  const auto length = q.size(1);
  const auto hidden = q.size(2);
  const auto head_dim = hidden / heads;
  auto split = [&](const torch::Tensor& x) {
    return x.view({batch, length, heads, head_dim}).permute({0, 2, 1, 3});
  };
  auto scores = torch::matmul(split(q), split(k).transpose(-1, -2)) /
                std::sqrt(static_cast<double>(head_dim));
  if (bias.defined()) scores = scores + bias;
  scores = scores + additive_mask;
  auto probs = torch::softmax(scores, -1);
  probs = torch::dropout(probs, dropout, training);
  auto context = torch::matmul(probs, split(v));
  return context.permute({0, 2, 1, 3}).contiguous().view({batch, length, hidden});
}

}  // namespace setfit::body
