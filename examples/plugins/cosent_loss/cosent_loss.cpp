// CoSENT (Su, 2022): a pair loss that ranks rather than regresses. For every two pairs where
// pair i has a higher target than pair j, cos(pair i) should exceed cos(pair j); the loss is
// log(1 + sum over such (i, j) of exp(scale * (cos_j - cos_i))).
#include <torch/torch.h>

#include <setfit/errors.hpp>
#include <setfit/plugin.hpp>

namespace {

class CoSENTLoss final : public setfit::Loss {
 public:
  explicit CoSENTLoss(const setfit::Params& params) : scale_(params.get_float("scale")) {
    if (scale_ <= 0) throw setfit::Error("CoSENTLoss: scale must be positive");
  }

  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Loss,
            "CoSENTLoss",
            "0.1.0",
            "Ranks the cosine similarities of pairs by their targets (CoSENT)",
            {{"scale", setfit::ParamType::Float, 20.0, "Inverse temperature of the ranking"}}};
  }

  setfit::LossInput input() const override { return setfit::LossInput::Pairs; }

  at::Tensor forward(const at::Tensor& u, const at::Tensor& v, const at::Tensor& target) override {
    const auto cosine = torch::cosine_similarity(u, v, /*dim=*/1) * scale_;
    const auto t = target.to(cosine.scalar_type());
    // difference[i][j] = cos_j - cos_i, kept where pair i should rank above pair j.
    const auto difference = cosine.unsqueeze(0) - cosine.unsqueeze(1);
    const auto ranked = t.unsqueeze(1) > t.unsqueeze(0);
    const auto kept = difference.masked_fill(ranked.logical_not(), -1e12);
    // The leading 0 is the "1 +" inside the log.
    return torch::logsumexp(torch::cat({torch::zeros({1}, kept.options()), kept.flatten()}), 0);
  }

 private:
  double scale_;
};

}  // namespace

SETFIT_PLUGIN(CoSENTLoss)
