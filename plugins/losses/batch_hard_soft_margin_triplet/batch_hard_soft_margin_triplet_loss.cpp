// BatchHardSoftMarginTripletLoss (sentence-transformers): per anchor
// log1p(exp(D_ap - D_an)) on its hardest positive and negative, averaged.

#include "../common/batch_hard.hpp"
#include "setfit/plugin.hpp"

namespace {

class BatchHardSoftMarginTripletLoss final : public setfit::Loss {
 public:
  explicit BatchHardSoftMarginTripletLoss(const setfit::Params& p)
      : metric_(setfit::losses::checked_metric(p.get_string("distance_metric"))) {}
  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Loss,
            "BatchHardSoftMarginTripletLoss",
            "1.0.0",
            "Soft-margin version of BatchHardTripletLoss, no margin to tune",
            {{"distance_metric", ParamType::String, std::string("cosine"),
              "cosine, euclidean or manhattan"}}};
  }
  setfit::LossInput input() const override { return setfit::LossInput::LabelledBatch; }
  at::Tensor forward(const at::Tensor& x, const at::Tensor&, const at::Tensor& labels) override {
    setfit::losses::check_batch(x, labels, "BatchHardSoftMarginTripletLoss");
    auto [positive, negative] = setfit::losses::hardest_pairs(x, labels, metric_);
    return torch::log1p(torch::exp(positive - negative)).mean();
  }

 private:
  std::string metric_;
};

}  // namespace

SETFIT_PLUGIN(BatchHardSoftMarginTripletLoss)
