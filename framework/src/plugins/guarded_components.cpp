#include "guarded_components.hpp"

#include <ATen/core/Tensor.h>
#include <fmt/ranges.h>

#include <utility>

namespace setfit::detail {
namespace {

// What the trainer needs of a loss value, said in the plugin's terms before LibTorch says it
// in its own ("a Tensor with 16 elements cannot be converted to Scalar").
void check_loss_value(const at::Tensor& value, bool inputs_need_grad, const std::string& label) {
  if (!value.defined()) {
    throw PluginError(
        fmt::format("{}: forward() returned an undefined tensor; a loss returns a "
                    "scalar (a 0-dimensional tensor)",
                    label));
  }
  if (value.dim() != 0) {
    throw PluginError(
        fmt::format("{}: forward() returned a tensor of shape [{}]; a loss returns a scalar (a "
                    "0-dimensional tensor: reduce the per-example losses, e.g. with .mean())",
                    label, fmt::join(value.sizes(), ", ")));
  }
  if (inputs_need_grad && !value.requires_grad()) {
    throw PluginError(fmt::format(
        "{}: forward() returned a loss that does not depend on the embeddings through "
        "autograd (built from .detach(), .item() or new tensors?), so stage 1 cannot train "
        "the body",
        label));
  }
}

class GuardedLoss final : public Loss {
 public:
  GuardedLoss(std::shared_ptr<Loss> inner, std::string label)
      : inner_(std::move(inner)), label_(std::move(label)) {}

  LossInput input() const override {
    return call_plugin(label_, "input()", [&] { return inner_->input(); });
  }
  at::Tensor forward(const at::Tensor& first, const at::Tensor& second,
                     const at::Tensor& target) override {
    auto value =
        call_plugin(label_, "forward()", [&] { return inner_->forward(first, second, target); });
    check_loss_value(value, first.requires_grad() || (second.defined() && second.requires_grad()),
                     label_);
    return value;
  }
  std::vector<at::Tensor> parameters() override {
    return call_plugin(label_, "parameters()", [&] { return inner_->parameters(); });
  }

 private:
  std::shared_ptr<Loss> inner_;
  std::string label_;
};

class GuardedHead final : public Head {
 public:
  GuardedHead(std::shared_ptr<Head> inner, std::string label)
      : inner_(std::move(inner)), label_(std::move(label)) {}

  bool differentiable() const override {
    return call_plugin(label_, "differentiable()", [&] { return inner_->differentiable(); });
  }
  void initialize(std::int64_t embedding_dim, std::int64_t num_classes) override {
    call_plugin(label_, "initialize()", [&] { inner_->initialize(embedding_dim, num_classes); });
  }
  void fit(const at::Tensor& embeddings, const at::Tensor& labels) override {
    call_plugin(label_, "fit()", [&] { inner_->fit(embeddings, labels); });
  }
  at::Tensor forward(const at::Tensor& embeddings) override {
    return call_plugin(label_, "forward()", [&] { return inner_->forward(embeddings); });
  }
  at::Tensor predict_proba(const at::Tensor& embeddings) override {
    return call_plugin(label_, "predict_proba()",
                       [&] { return inner_->predict_proba(embeddings); });
  }
  at::Tensor loss(const at::Tensor& scores, const at::Tensor& labels) override {
    return call_plugin(label_, "loss()", [&] { return inner_->loss(scores, labels); });
  }
  std::vector<at::Tensor> parameters() override {
    return call_plugin(label_, "parameters()", [&] { return inner_->parameters(); });
  }
  std::vector<std::pair<std::string, at::Tensor>> state() override {
    return call_plugin(label_, "state()", [&] { return inner_->state(); });
  }
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& state) override {
    call_plugin(label_, "load_state()", [&] { inner_->load_state(state); });
  }

 private:
  std::shared_ptr<Head> inner_;
  std::string label_;
};

class GuardedSampler final : public Sampler {
 public:
  GuardedSampler(std::shared_ptr<Sampler> inner, std::string label)
      : inner_(std::move(inner)), label_(std::move(label)) {}

  bool yields_batches() const override {
    return call_plugin(label_, "yields_batches()", [&] { return inner_->yields_batches(); });
  }
  std::vector<SamplePair> sample(const SamplingRequest& request) override {
    return call_plugin(label_, "sample()", [&] { return inner_->sample(request); });
  }
  std::vector<std::vector<std::int64_t>> batches(const SamplingRequest& request) override {
    return call_plugin(label_, "batches()", [&] { return inner_->batches(request); });
  }

 private:
  std::shared_ptr<Sampler> inner_;
  std::string label_;
};

}  // namespace

std::shared_ptr<Loss> guard(std::shared_ptr<Loss> inner, std::string label) {
  return std::make_shared<GuardedLoss>(std::move(inner), std::move(label));
}
std::shared_ptr<Head> guard(std::shared_ptr<Head> inner, std::string label) {
  return std::make_shared<GuardedHead>(std::move(inner), std::move(label));
}
std::shared_ptr<Sampler> guard(std::shared_ptr<Sampler> inner, std::string label) {
  return std::make_shared<GuardedSampler>(std::move(inner), std::move(label));
}

}  // namespace setfit::detail
