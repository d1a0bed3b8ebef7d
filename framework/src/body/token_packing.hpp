#pragma once

#include <torch/torch.h>

namespace setfit::body {

// The real tokens of a padded batch, packed into rows: every layer of a transformer but
// attention works on each token alone (embeddings, projections, feed-forward, LayerNorm),
// so those run on the real tokens only and attention alone sees the [B, L] layout. A few-shot
// batch of sentences of mixed length is about half padding: that half of the matmuls is
// saved. Without padding, packing is a reshape.
class TokenPacking {
 public:
  // `attention_mask` [B, L], 1 for real tokens.
  explicit TokenPacking(const torch::Tensor& attention_mask);

  // [B, L, ...] -> [T, ...], the T real tokens in order.
  torch::Tensor pack(const torch::Tensor& padded) const;
  // [T, ...] -> [B, L, ...], zeros at padding.
  torch::Tensor unpack(const torch::Tensor& packed) const;
  bool has_padding() const { return real_.defined(); }

 private:
  std::int64_t batch_ = 0;
  std::int64_t length_ = 0;
  torch::Tensor real_;  // flat indices of the real tokens; undefined without padding
};

}  // namespace setfit::body
