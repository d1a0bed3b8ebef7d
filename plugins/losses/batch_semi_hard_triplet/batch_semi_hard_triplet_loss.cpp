// BatchSemiHardTripletLoss (sentence-transformers, after FaceNet / TensorFlow's
// triplet_semihard_loss): for each positive pair (a, p), the closest negative that is
// still farther than p (semi-hard); when none is, the farthest negative. Mean over
// positive pairs of relu(D_ap - D_an + m).

#include "../common/distances.hpp"
#include "setfit/plugin.hpp"

namespace {

class BatchSemiHardTripletLoss final : public setfit::Loss {
 public:
  explicit BatchSemiHardTripletLoss(const setfit::Params& p)
      : margin_(p.get_float("margin")),
        metric_(setfit::losses::checked_metric(p.get_string("distance_metric"))) {}
  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Loss,
            "BatchSemiHardTripletLoss",
            "1.0.0",
            "Semi-hard negatives per positive pair of a label-grouped batch",
            {{"margin", ParamType::Float, 0.25, "Triplet margin"},
             {"distance_metric", ParamType::String, std::string("cosine"),
              "cosine, euclidean or manhattan"}}};
  }
  setfit::LossInput input() const override { return setfit::LossInput::LabelledBatch; }
  at::Tensor forward(const at::Tensor& x, const at::Tensor&, const at::Tensor& labels) override {
    setfit::losses::check_batch(x, labels, "BatchSemiHardTripletLoss");
    auto d = setfit::losses::distance_matrix(x, metric_);  // [B, B]
    auto [positive, negative] = setfit::losses::label_masks(labels);
    const auto type = d.scalar_type();
    // [a, p, n]: n is a negative of a and farther from a than p is.
    auto farther = negative.unsqueeze(1).logical_and(d.unsqueeze(1).gt(d.unsqueeze(2)));
    auto has_semi_hard = farther.any(2);
    // Masked minimum / maximum as in the reference: shift so masked-out entries never win.
    auto row_max = d.amax(1, true);
    auto outside = ((d.unsqueeze(1) - row_max.unsqueeze(1)) * farther.to(type)).amin(2) + row_max;
    auto row_min = d.amin(1, true);
    auto inside = ((d - row_min) * negative.to(type)).amax(1, true) + row_min;  // farthest negative
    auto semi_hard = torch::where(has_semi_hard, outside, inside.expand_as(d));
    auto loss = torch::relu((d - semi_hard + margin_) * positive.to(type));
    return loss.sum() / positive.to(type).sum().clamp_min(1.0);
  }

 private:
  double margin_;
  std::string metric_;
};

}  // namespace

SETFIT_PLUGIN(BatchSemiHardTripletLoss)
