// An example third-party loss: CosineSimilarityLoss with the similarity scaled first,
// showing a parameter schema and the SETFIT_PLUGIN export.

#include <torch/torch.h>

#include <setfit/errors.hpp>
#include <setfit/plugin.hpp>

namespace {

class ScaledCosineLoss final : public setfit::Loss {
 public:
  explicit ScaledCosineLoss(const setfit::Params& params) : scale_(params.get_float("scale")) {
    if (scale_ <= 0) throw setfit::Error("scale must be positive");
  }

  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Loss,
            "ScaledCosineLoss",
            "0.1.0",
            "Mean squared error between scale * cos(u, v) and the pair target",
            {{"scale", setfit::ParamType::Float, 1.0, "Multiplies the cosine similarity"}}};
  }

  setfit::LossInput input() const override { return setfit::LossInput::Pairs; }

  at::Tensor forward(const at::Tensor& u, const at::Tensor& v, const at::Tensor& target) override {
    namespace F = torch::nn::functional;
    auto cosine = F::cosine_similarity(u, v, F::CosineSimilarityFuncOptions().dim(1));
    return F::mse_loss(scale_ * cosine, target.to(cosine.scalar_type()));
  }

 private:
  double scale_;
};

}  // namespace

SETFIT_PLUGIN(ScaledCosineLoss)
