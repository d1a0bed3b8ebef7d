// BatchHardTripletLoss (sentence-transformers): per anchor, its hardest positive and
// hardest negative, relu(D_ap - D_an + m), averaged over anchors.

#include "../common/batch_hard.hpp"
#include "setfit/plugin.hpp"

namespace {

class BatchHardTripletLoss final : public setfit::Loss {
 public:
  explicit BatchHardTripletLoss(const setfit::Params& p)
      : margin_(p.get_float("margin")),
        metric_(setfit::losses::checked_metric(p.get_string("distance_metric"))) {}
  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Loss,
            "BatchHardTripletLoss",
            "1.0.0",
            "Hardest positive and negative per anchor of a label-grouped batch",
            {{"margin", ParamType::Float, 0.25, "Triplet margin"},
             {"distance_metric", ParamType::String, std::string("cosine"),
              "cosine, euclidean or manhattan"}}};
  }
  setfit::LossInput input() const override { return setfit::LossInput::LabelledBatch; }
  at::Tensor forward(const at::Tensor& x, const at::Tensor&, const at::Tensor& labels) override {
    setfit::losses::check_batch(x, labels, "BatchHardTripletLoss");
    auto [positive, negative] = setfit::losses::hardest_pairs(x, labels, metric_);
    return torch::relu(positive - negative + margin_).mean();
  }

 private:
  double margin_;
  std::string metric_;
};

}  // namespace

SETFIT_PLUGIN(BatchHardTripletLoss)
