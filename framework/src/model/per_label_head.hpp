#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "setfit/plugin.hpp"

namespace setfit::detail {

// Multi-label data on a head that only knows single-label classification: one binary
// head per label. "one-vs-rest" and "multi-output" fit each label's head on its own
// 0/1 column (for indicator targets scikit-learn's OneVsRestClassifier and
// MultiOutputClassifier do the same). "classifier-chain" feeds head k the embedding
// plus labels 0..k-1: the true ones when fitting, the predicted ones when predicting,
// as scikit-learn's ClassifierChain does.
class PerLabelHead final : public Head {
 public:
  using Factory = std::function<std::shared_ptr<Head>()>;
  PerLabelHead(Factory make_head, bool chain);

  bool differentiable() const override { return false; }
  void initialize(std::int64_t embedding_dim, std::int64_t num_labels) override;
  // `labels` is [N, num_labels] with 0/1 entries.
  void fit(const at::Tensor& embeddings, const at::Tensor& labels) override;
  at::Tensor forward(const at::Tensor& embeddings) override;
  // [N, num_labels]: each label's own probability.
  at::Tensor predict_proba(const at::Tensor& embeddings) override;
  at::Tensor loss(const at::Tensor& scores, const at::Tensor& labels) override;
  std::vector<at::Tensor> parameters() override;
  // Each label's tensors, prefixed "label_<k>.".
  std::vector<std::pair<std::string, at::Tensor>> state() override;
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& state) override;

 private:
  Factory make_head_;
  bool chain_;
  std::vector<std::shared_ptr<Head>> heads_;
};

}  // namespace setfit::detail
