// CosineSimilarityLoss: mean of (cos(u, v) - target)^2 over the pairs of a batch,
// as sentence-transformers' CosineSimilarityLoss with its default MSE.

#include <torch/torch.h>

#include "setfit/errors.hpp"
#include "setfit/plugin.hpp"

namespace {

class CosineSimilarityLoss final : public setfit::Loss {
 public:
  explicit CosineSimilarityLoss(const setfit::Params&) {}

  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Loss,
            "CosineSimilarityLoss",
            "1.0.0",
            "Mean squared difference between the pair's cosine similarity and its target",
            {}};
  }

  setfit::LossInput input() const override { return setfit::LossInput::Pairs; }

  at::Tensor forward(const at::Tensor& first, const at::Tensor& second,
                     const at::Tensor& target) override {
    if (first.dim() != 2 || first.sizes() != second.sizes()) {
      throw setfit::Error(
          "CosineSimilarityLoss expects two [batch, dim] embedding tensors of "
          "the same shape");
    }
    if (target.dim() != 1 || target.size(0) != first.size(0)) {
      throw setfit::Error("CosineSimilarityLoss expects one target per pair");
    }
    namespace F = torch::nn::functional;
    auto cosine = F::cosine_similarity(first, second, F::CosineSimilarityFuncOptions().dim(1));
    return F::mse_loss(cosine, target.to(cosine.scalar_type()));
  }
};

}  // namespace

SETFIT_PLUGIN(CosineSimilarityLoss)
