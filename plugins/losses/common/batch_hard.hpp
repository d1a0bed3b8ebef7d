#pragma once

#include "distances.hpp"

namespace setfit::losses {

// Per anchor: the distance to its hardest (farthest) positive and hardest (closest)
// negative, as sentence-transformers' BatchHardTripletLoss computes them.
inline std::pair<torch::Tensor, torch::Tensor> hardest_pairs(const torch::Tensor& x,
                                                             const torch::Tensor& labels,
                                                             const std::string& metric) {
  auto d = distance_matrix(x, metric);
  auto [same, different] = label_masks(labels);
  auto hardest_positive = (d * same.to(d.scalar_type())).amax(1);
  // Non-negatives are lifted by the row maximum so they never win the minimum.
  auto row_max = d.amax(1, true);
  auto hardest_negative = (d + row_max * different.logical_not().to(d.scalar_type())).amin(1);
  return {hardest_positive, hardest_negative};
}

}  // namespace setfit::losses
