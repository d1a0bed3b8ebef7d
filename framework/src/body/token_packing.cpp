#include "token_packing.hpp"

#include <torch/torch.h>

#include <vector>

namespace setfit::body {

TokenPacking::TokenPacking(const at::Tensor& attention_mask)
    : batch_(attention_mask.size(0)), length_(attention_mask.size(1)) {
  const auto flat = attention_mask.reshape({-1});
  const auto real = flat.nonzero().reshape({-1});
  if (real.size(0) < flat.size(0)) real_ = real;
}

at::Tensor TokenPacking::pack(const at::Tensor& padded) const {
  auto rows = padded.flatten(0, 1);
  return real_.defined() ? rows.index_select(0, real_) : rows;
}

at::Tensor TokenPacking::unpack(const at::Tensor& packed) const {
  std::vector<std::int64_t> shape{batch_, length_};
  shape.insert(shape.end(), packed.sizes().begin() + 1, packed.sizes().end());
  if (!real_.defined()) return packed.reshape(shape);
  std::vector<std::int64_t> rows_shape{batch_ * length_};
  rows_shape.insert(rows_shape.end(), packed.sizes().begin() + 1, packed.sizes().end());
  return packed.new_zeros(rows_shape).index_copy(0, real_, packed).view(shape);
}

}  // namespace setfit::body
