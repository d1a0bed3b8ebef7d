#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace setfit::body {

// The real tokens of a padded batch, packed into rows: every layer of a transformer but
// attention works on each token alone (embeddings, projections, feed-forward, LayerNorm),
// so those run on the real tokens only and attention alone sees the [B, L] layout. A few-shot
// batch of sentences of mixed length is about half padding: that half of the matmuls is
// saved. Without padding, packing is a reshape.
class TokenPacking {
 public:
  // `attention_mask` [B, L], 1 for real tokens.
  explicit TokenPacking(const at::Tensor& attention_mask);

  // [B, L, ...] -> [T, ...], the T real tokens in order.
  at::Tensor pack(const at::Tensor& padded) const;
  // [T, ...] -> [B, L, ...], zeros at padding.
  at::Tensor unpack(const at::Tensor& packed) const;

 private:
  std::int64_t batch_ = 0;
  std::int64_t length_ = 0;
  at::Tensor real_;  // flat indices of the real tokens; undefined without padding
};

}  // namespace setfit::body
