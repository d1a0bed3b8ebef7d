// ContrastiveLoss (sentence-transformers): mean of 0.5 * (y d^2 + (1 - y) relu(m - d)^2)
// over the pairs, d the chosen distance (cosine distance by default), m the margin.

#include "../common/distances.hpp"
#include "setfit/plugin.hpp"

namespace {

class ContrastiveLoss final : public setfit::Loss {
 public:
  explicit ContrastiveLoss(const setfit::Params& p)
      : margin_(p.get_float("margin")),
        metric_(setfit::losses::checked_metric(p.get_string("distance_metric"))) {}
  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Loss,
            "ContrastiveLoss",
            "1.0.0",
            "Pulls positive pairs together, pushes negatives beyond a margin",
            {{"margin", ParamType::Float, 0.5, "Distance negatives are pushed beyond"},
             {"distance_metric", ParamType::String, std::string("cosine"),
              "cosine, euclidean or manhattan"}}};
  }
  setfit::LossInput input() const override { return setfit::LossInput::Pairs; }
  at::Tensor forward(const at::Tensor& u, const at::Tensor& v, const at::Tensor& target) override {
    setfit::losses::check_pairs(u, v, target, "ContrastiveLoss");
    auto d = setfit::losses::paired_distance(u, v, metric_);
    auto y = target.to(d.scalar_type());
    return (0.5 * (y * d.pow(2) + (1.0 - y) * torch::relu(margin_ - d).pow(2))).mean();
  }

 private:
  double margin_;
  std::string metric_;
};

}  // namespace

SETFIT_PLUGIN(ContrastiveLoss)
