// OnlineContrastiveLoss (sentence-transformers): only the hard pairs of a batch count:
// negatives closer than the farthest positive, then positives farther than the closest
// remaining negative. Sum of d_pos^2 plus sum of relu(m - d_neg)^2.

#include "../common/distances.hpp"
#include "setfit/plugin.hpp"

namespace {

class OnlineContrastiveLoss final : public setfit::Loss {
 public:
  explicit OnlineContrastiveLoss(const setfit::Params& p)
      : margin_(p.get_float("margin")),
        metric_(setfit::losses::checked_metric(p.get_string("distance_metric"))) {}
  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Loss,
            "OnlineContrastiveLoss",
            "1.0.0",
            "ContrastiveLoss on the hard positive and negative pairs of each batch",
            {{"margin", ParamType::Float, 0.5, "Distance negatives are pushed beyond"},
             {"distance_metric", ParamType::String, std::string("cosine"),
              "cosine, euclidean or manhattan"}}};
  }
  setfit::LossInput input() const override { return setfit::LossInput::Pairs; }
  at::Tensor forward(const at::Tensor& u, const at::Tensor& v, const at::Tensor& target) override {
    setfit::losses::check_pairs(u, v, target, "OnlineContrastiveLoss");
    auto d = setfit::losses::paired_distance(u, v, metric_);
    auto positive = d.masked_select(target.ge(0.5));
    auto negative = d.masked_select(target.lt(0.5));
    // The same order of filtering as sentence-transformers: negatives first.
    if (positive.numel() > 1) {
      negative = negative.masked_select(negative.lt(positive.max()));
    } else if (negative.numel() > 0) {
      negative = negative.masked_select(negative.lt(negative.mean()));
    }
    if (negative.numel() > 1) {
      positive = positive.masked_select(positive.gt(negative.min()));
    } else if (positive.numel() > 0) {
      positive = positive.masked_select(positive.gt(positive.mean()));
    }
    return positive.pow(2).sum() + torch::relu(margin_ - negative).pow(2).sum();
  }

 private:
  double margin_;
  std::string metric_;
};

}  // namespace

SETFIT_PLUGIN(OnlineContrastiveLoss)
