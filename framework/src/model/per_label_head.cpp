#include "per_label_head.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include "setfit/errors.hpp"

namespace setfit::detail {

PerLabelHead::PerLabelHead(Factory make_head, bool chain)
    : make_head_(std::move(make_head)), chain_(chain) {}

void PerLabelHead::initialize(std::int64_t embedding_dim, std::int64_t num_labels) {
  if (num_labels < 1) throw Error("a multi-label head needs at least one label");
  heads_.clear();
  for (std::int64_t k = 0; k < num_labels; ++k) {
    auto head = make_head_();
    head->initialize(embedding_dim + (chain_ ? k : 0), 2);
    heads_.push_back(std::move(head));
  }
}

void PerLabelHead::fit(const at::Tensor& embeddings, const at::Tensor& labels) {
  const auto count = static_cast<std::int64_t>(heads_.size());
  if (labels.dim() != 2 || labels.size(1) != count || labels.size(0) != embeddings.size(0)) {
    throw Error(fmt::format("a multi-label head expects [N, {}] 0/1 labels", count));
  }
  auto targets = labels.to(torch::kLong);
  auto inputs = embeddings;
  for (std::int64_t k = 0; k < count; ++k) {
    auto column = targets.select(1, k).contiguous();
    const auto positives = column.sum().item<std::int64_t>();
    if (positives == 0 || positives == column.size(0)) {
      throw Error(fmt::format(
          "label {} is {} in every training example; a per-label head needs both cases", k,
          positives == 0 ? "absent" : "present"));
    }
    heads_[static_cast<std::size_t>(k)]->fit(inputs, column);
    if (chain_)
      inputs = torch::cat({inputs, column.unsqueeze(1).to(embeddings.scalar_type())}, 1);
  }
}

at::Tensor PerLabelHead::forward(const at::Tensor& embeddings) {
  return predict_proba(embeddings);
}

at::Tensor PerLabelHead::predict_proba(const at::Tensor& embeddings) {
  if (heads_.empty()) throw Error("the multi-label head is used before initialize()");
  std::vector<at::Tensor> columns;
  auto inputs = embeddings;
  for (auto& head : heads_) {
    auto positive = head->predict_proba(inputs).select(1, 1).to(torch::kFloat32);
    columns.push_back(positive);
    if (chain_)
      inputs = torch::cat({inputs, (positive >= 0.5).unsqueeze(1).to(embeddings.scalar_type())}, 1);
  }
  return torch::stack(columns, 1);
}

at::Tensor PerLabelHead::loss(const at::Tensor&, const at::Tensor&) {
  throw Error("a per-label head is fitted with fit(), it has no training loss");
}

std::vector<at::Tensor> PerLabelHead::parameters() {
  std::vector<at::Tensor> out;
  for (auto& head : heads_) {
    for (auto& p : head->parameters()) out.push_back(p);
  }
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> PerLabelHead::state() {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (std::size_t k = 0; k < heads_.size(); ++k) {
    for (auto& [name, tensor] : heads_[k]->state())
      out.emplace_back(fmt::format("label_{}.{}", k, name), tensor);
  }
  return out;
}

void PerLabelHead::load_state(const std::vector<std::pair<std::string, at::Tensor>>& state) {
  std::vector<std::vector<std::pair<std::string, at::Tensor>>> per_label(heads_.size());
  for (const auto& [name, tensor] : state) {
    std::size_t k = 0;
    std::size_t used = 0;
    if (name.rfind("label_", 0) == 0) {
      try {
        k = std::stoul(name.substr(6), &used);
      } catch (const std::exception&) {
        used = 0;
      }
    }
    if (used == 0 || k >= heads_.size() || name.size() <= 7 + used || name[6 + used] != '.') {
      throw Error(fmt::format("the saved head state has an unexpected tensor '{}'", name));
    }
    per_label[k].emplace_back(name.substr(7 + used), tensor);
  }
  for (std::size_t k = 0; k < heads_.size(); ++k) heads_[k]->load_state(per_label[k]);
}

}  // namespace setfit::detail
