// MultipleNegativesRankingLoss (sentence-transformers): for anchor i, its positive i
// against every other positive of the batch as negatives: cross-entropy over
// scale * cos(a_i, p_j) with target j = i.

#include "../common/distances.hpp"
#include "setfit/plugin.hpp"

namespace {

class MultipleNegativesRankingLoss final : public setfit::Loss {
 public:
  explicit MultipleNegativesRankingLoss(const setfit::Params& p) : scale_(p.get_float("scale")) {}
  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Loss,
            "MultipleNegativesRankingLoss",
            "1.0.0",
            "In-batch softmax ranking of (anchor, positive) pairs",
            {{"scale", ParamType::Float, 20.0, "Multiplies the cosine similarities"}}};
  }
  setfit::LossInput input() const override { return setfit::LossInput::PositivePairs; }
  at::Tensor forward(const at::Tensor& a, const at::Tensor& p, const at::Tensor& target) override {
    setfit::losses::check_pairs(a, p, target, "MultipleNegativesRankingLoss");
    namespace F = torch::nn::functional;
    auto an = F::normalize(a, F::NormalizeFuncOptions().p(2).dim(1));
    auto pn = F::normalize(p, F::NormalizeFuncOptions().p(2).dim(1));
    auto scores = torch::matmul(an, pn.t()) * scale_;
    auto labels =
        torch::arange(a.size(0), torch::TensorOptions().dtype(torch::kLong).device(a.device()));
    return F::cross_entropy(scores, labels);
  }

 private:
  double scale_;
};

}  // namespace

SETFIT_PLUGIN(MultipleNegativesRankingLoss)
