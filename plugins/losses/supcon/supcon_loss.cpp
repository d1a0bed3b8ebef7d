// SupConLoss (Khosla et al.; SetFit's version): on L2-normalised embeddings, for each
// anchor the mean over its in-batch positives of -log softmax(z_a . z_p / T) over all
// other examples. Anchors without an in-batch positive are left out (SetFit returns NaN).

#include "../common/distances.hpp"
#include "setfit/plugin.hpp"

namespace {

class SupConLoss final : public setfit::Loss {
 public:
  explicit SupConLoss(const setfit::Params& p) : temperature_(p.get_float("temperature")) {
    if (temperature_ <= 0) throw setfit::Error("temperature must be positive");
  }
  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Loss,
            "SupConLoss",
            "1.0.0",
            "Supervised contrastive loss over a label-grouped batch",
            {{"temperature", ParamType::Float, 0.07, "Softmax temperature"}}};
  }
  setfit::LossInput input() const override { return setfit::LossInput::LabelledBatch; }
  at::Tensor forward(const at::Tensor& x, const at::Tensor&, const at::Tensor& labels) override {
    setfit::losses::check_batch(x, labels, "SupConLoss");
    namespace F = torch::nn::functional;
    auto z = F::normalize(x, F::NormalizeFuncOptions().p(2).dim(1));
    auto logits = torch::matmul(z, z.t()) / temperature_;
    logits = logits - std::get<0>(logits.max(1, true)).detach();  // numerical stability
    auto [positive, different] = setfit::losses::label_masks(labels);
    auto not_self =
        torch::eye(x.size(0), torch::TensorOptions().dtype(torch::kBool).device(x.device()))
            .logical_not();
    auto exp_logits = torch::exp(logits) * not_self.to(logits.scalar_type());
    auto log_prob = logits - torch::log(exp_logits.sum(1, true));
    auto positives = positive.to(logits.scalar_type());
    auto count = positives.sum(1);
    auto has_positive = count.gt(0);
    if (!has_positive.any().item<bool>()) return (x * 0.0).sum();  // no anchor has a positive
    auto mean_log_prob = (positives * log_prob).sum(1) / count.clamp_min(1.0);
    return -mean_log_prob.masked_select(has_positive).mean();
  }

 private:
  double temperature_;
};

}  // namespace

SETFIT_PLUGIN(SupConLoss)
