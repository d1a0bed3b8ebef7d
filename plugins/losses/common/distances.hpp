#pragma once

// Distances shared by the built-in loss plugins (header-only: each plugin is its own
// shared library). Names and conventions follow sentence-transformers.

#include <torch/torch.h>

#include <string>

#include "setfit/errors.hpp"

namespace setfit::losses {

// The metric name, checked when a loss is created so that a bad name fails before training.
inline std::string checked_metric(const std::string& metric) {
  if (metric != "cosine" && metric != "euclidean" && metric != "manhattan")
    throw Error("distance_metric must be cosine, euclidean or manhattan, got '" + metric + "'");
  return metric;
}

// Distance between the rows of u and v (pairwise, same shape [B, D]) -> [B].
inline torch::Tensor paired_distance(const torch::Tensor& u, const torch::Tensor& v,
                                     const std::string& metric) {
  namespace F = torch::nn::functional;
  if (metric == "cosine")
    return 1.0 - F::cosine_similarity(u, v, F::CosineSimilarityFuncOptions().dim(1));
  if (metric == "euclidean")
    return F::pairwise_distance(u, v, F::PairwiseDistanceFuncOptions().p(2));
  if (metric == "manhattan")
    return F::pairwise_distance(u, v, F::PairwiseDistanceFuncOptions().p(1));
  throw Error("distance_metric must be cosine, euclidean or manhattan, got '" + metric + "'");
}

// All pairwise distances within a batch [B, D] -> [B, B]. Euclidean distances are
// clamped at 0 before the square root, with a zero-safe gradient on the diagonal.
inline torch::Tensor distance_matrix(const torch::Tensor& x, const std::string& metric) {
  namespace F = torch::nn::functional;
  if (metric == "cosine") {
    auto n = F::normalize(x, F::NormalizeFuncOptions().p(2).dim(1));
    return 1.0 - torch::matmul(n, n.t());
  }
  if (metric == "euclidean") {
    auto dot = torch::matmul(x, x.t());
    auto square = dot.diagonal();
    auto d = (square.unsqueeze(0) - 2.0 * dot + square.unsqueeze(1)).clamp_min(0.0);
    auto zero = d.eq(0.0).to(d.scalar_type());
    return (d + zero * 1e-16).sqrt() * (1.0 - zero);
  }
  if (metric == "manhattan") return torch::cdist(x, x, 1.0);
  throw Error("distance_metric must be cosine, euclidean or manhattan, got '" + metric + "'");
}

inline void check_batch(const torch::Tensor& x, const torch::Tensor& labels, const char* loss) {
  if (x.dim() != 2 || labels.dim() != 1 || labels.size(0) != x.size(0)) {
    throw Error(std::string(loss) + " expects [batch, dim] embeddings and one label per row");
  }
}

inline void check_pairs(const torch::Tensor& u, const torch::Tensor& v, const torch::Tensor& target,
                        const char* loss) {
  if (u.dim() != 2 || u.sizes() != v.sizes() || target.dim() != 1 || target.size(0) != u.size(0)) {
    throw Error(std::string(loss) +
                " expects two [batch, dim] tensors of the same shape and one target per pair");
  }
}

// Label masks of a batch: same[i][j] = labels equal and i != j; different[i][j] = labels differ.
inline std::pair<torch::Tensor, torch::Tensor> label_masks(const torch::Tensor& labels) {
  auto equal = labels.unsqueeze(0).eq(labels.unsqueeze(1));
  auto not_self =
      torch::eye(labels.size(0), torch::TensorOptions().dtype(torch::kBool).device(labels.device()))
          .logical_not();
  return {equal.logical_and(not_self), equal.logical_not()};
}

}  // namespace setfit::losses
