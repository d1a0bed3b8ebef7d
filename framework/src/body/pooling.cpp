#include "pooling.hpp"

namespace setfit::body {

torch::Tensor pool(const PoolingConfig& config, const torch::Tensor& tokens,
                   const torch::Tensor& attention_mask) {
  std::vector<torch::Tensor> parts;
  auto mask = attention_mask.unsqueeze(-1).to(tokens.scalar_type()).expand_as(tokens);
  if (config.cls) parts.push_back(tokens.select(1, 0));
  if (config.max) {
    // Padding is pushed far down so it never wins the max.
    parts.push_back(tokens.masked_fill(mask.eq(0), -1e9).amax(1));
  }
  if (config.mean || config.mean_sqrt_len) {
    auto sum = (tokens * mask).sum(1);
    auto count = mask.sum(1).clamp_min(1e-9);
    if (config.mean) parts.push_back(sum / count);
    if (config.mean_sqrt_len) parts.push_back(sum / count.sqrt());
  }
  if (config.weighted_mean) {
    auto weights =
        torch::arange(1, tokens.size(1) + 1, tokens.options()).view({1, -1, 1}).expand_as(tokens) *
        mask;
    parts.push_back((tokens * weights).sum(1) / weights.sum(1).clamp_min(1e-9));
  }
  if (config.last_token) {
    // Right padding: the last real token sits at (number of real tokens - 1).
    auto last = (attention_mask.sum(1) - 1).clamp_min(0).to(torch::kLong);
    auto index = last.view({-1, 1, 1}).expand({tokens.size(0), 1, tokens.size(2)});
    parts.push_back(tokens.gather(1, index).squeeze(1));
  }
  return parts.size() == 1 ? parts.front() : torch::cat(parts, 1);
}

}  // namespace setfit::body
