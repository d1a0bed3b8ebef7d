// BatchAllTripletLoss (sentence-transformers): every valid triplet (a, p, n) of a
// labelled batch, relu(D_ap - D_an + m), summed and divided by the number of triplets
// whose loss is above 1e-16.

#include "../common/distances.hpp"
#include "setfit/plugin.hpp"

namespace {

class BatchAllTripletLoss final : public setfit::Loss {
 public:
  explicit BatchAllTripletLoss(const setfit::Params& p)
      : margin_(p.get_float("margin")),
        metric_(setfit::losses::checked_metric(p.get_string("distance_metric"))) {}
  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Loss,
            "BatchAllTripletLoss",
            "1.0.0",
            "Mean over the active triplets of a label-grouped batch",
            {{"margin", ParamType::Float, 0.25, "Triplet margin"},
             {"distance_metric", ParamType::String, std::string("cosine"),
              "cosine, euclidean or manhattan"}}};
  }
  setfit::LossInput input() const override { return setfit::LossInput::LabelledBatch; }
  at::Tensor forward(const at::Tensor& x, const at::Tensor&, const at::Tensor& labels) override {
    setfit::losses::check_batch(x, labels, "BatchAllTripletLoss");
    auto d = setfit::losses::distance_matrix(x, metric_);
    auto [same, different] = setfit::losses::label_masks(labels);
    // [a, p, n]: a-p same label (a != p), a-n different labels.
    auto valid = same.unsqueeze(2).logical_and(different.unsqueeze(1));
    auto loss = torch::relu(d.unsqueeze(2) - d.unsqueeze(1) + margin_) * valid.to(d.scalar_type());
    auto active = loss.gt(1e-16).sum().to(d.scalar_type());
    return loss.sum() / (active + 1e-16);
  }

 private:
  double margin_;
  std::string metric_;
};

}  // namespace

SETFIT_PLUGIN(BatchAllTripletLoss)
