// `linear`: SetFit's differentiable head. logits = Linear(x) / (temperature + 1e-5),
// softmax with cross-entropy, or sigmoid with binary cross-entropy for multi-label
// data. Xavier-uniform weights, bias 0.01. It trains through the trainer's gradient
// steps (optionally end to end with the body), never through fit().

#include <fmt/format.h>
#include <torch/torch.h>

#include "setfit/errors.hpp"
#include "setfit/plugin.hpp"

namespace {

class LinearHead final : public setfit::Head {
 public:
  explicit LinearHead(const setfit::Params& params)
      : out_features_(params.get_int("out_features")),
        temperature_(params.get_float("temperature")),
        bias_(params.get_bool("bias")),
        multi_target_(params.get_bool("multi_target")) {
    if (out_features_ < 0)
      throw setfit::Error("out_features must be 0 (one per label) or positive");
    if (temperature_ <= 0) throw setfit::Error("temperature must be positive");
  }

  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {
        setfit::PluginKind::Head,
        "linear",
        "1.0.0",
        "Differentiable linear layer with temperature; softmax or sigmoid outputs",
        {{"out_features", ParamType::Int, std::int64_t{0}, "Output width; 0 means one per label"},
         {"temperature", ParamType::Float, 1.0, "Divides the logits (plus 1e-5)"},
         {"bias", ParamType::Bool, true, "Whether the layer has a bias"},
         {"multi_target", ParamType::Bool, false,
          "Sigmoid and binary cross-entropy per label instead of softmax"}}};
  }

  bool differentiable() const override { return true; }

  void initialize(std::int64_t embedding_dim, std::int64_t num_classes) override {
    const std::int64_t out = out_features_ > 0 ? out_features_ : num_classes;
    if (embedding_dim <= 0 || out <= 0) {
      throw setfit::Error(fmt::format("cannot build a {}x{} linear head", embedding_dim, out));
    }
    linear_ = torch::nn::Linear(torch::nn::LinearOptions(embedding_dim, out).bias(bias_));
    torch::NoGradGuard no_grad;
    torch::nn::init::xavier_uniform_(linear_->weight);
    if (bias_) linear_->bias.fill_(0.01);
  }

  void fit(const at::Tensor&, const at::Tensor&) override {
    throw setfit::Error(
        "the linear head is differentiable: it trains through the trainer's "
        "gradient steps, not fit()");
  }

  at::Tensor forward(const at::Tensor& embeddings) override {
    return linear_or_throw()->forward(embeddings) / (temperature_ + 1e-5);
  }

  at::Tensor predict_proba(const at::Tensor& embeddings) override {
    auto scores = forward(embeddings);
    return multi_target_ ? torch::sigmoid(scores) : torch::softmax(scores, 1);
  }

  at::Tensor loss(const at::Tensor& scores, const at::Tensor& labels) override {
    namespace F = torch::nn::functional;
    if (multi_target_)
      return F::binary_cross_entropy_with_logits(scores, labels.to(scores.dtype()));
    return F::cross_entropy(scores, labels.to(torch::kLong));
  }

  std::vector<at::Tensor> parameters() override { return linear_or_throw()->parameters(); }

  std::vector<std::pair<std::string, at::Tensor>> state() override {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& item : linear_or_throw()->named_parameters()) out.emplace_back(item.key(), item.value());
    return out;
  }
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& state) override {
    torch::NoGradGuard no_grad;
    auto named = linear_or_throw()->named_parameters();
    std::vector<at::Tensor> loaded(named.size());
    std::vector<std::pair<std::string, at::Tensor*>> targets;
    for (std::size_t i = 0; i < named.size(); ++i) {
      loaded[i] = named[i].value().detach();  // gives assign_state the expected shape
      targets.emplace_back(named[i].key(), &loaded[i]);
    }
    setfit::assign_state(state, targets);
    // In place, so parameters an optimiser already holds stay the same tensors.
    for (std::size_t i = 0; i < named.size(); ++i) named[i].value().copy_(loaded[i]);
  }

 private:
  torch::nn::Linear& linear_or_throw() {
    if (!linear_) throw setfit::Error("the linear head is used before initialize()");
    return linear_;
  }

  std::int64_t out_features_;
  double temperature_;
  bool bias_;
  bool multi_target_;
  torch::nn::Linear linear_{nullptr};
};

}  // namespace

SETFIT_PLUGIN(LinearHead)
