// `logistic_regression`: SetFit's default head, scikit-learn's LogisticRegression() with
// its defaults: L2 penalty 0.5 * ||W||^2 / C against the summed log-loss, intercept not
// penalised, binary logistic for 2 classes and multinomial softmax above, solved with
// L-BFGS (strong Wolfe line search) in float64. The objective is strictly convex, so the
// optimum is scikit-learn's. The solver sees the summed objective, as scikit-learn 1.2
// (Debian 12's) does, so that `tol` bounds the same gradient there and here (later
// scikit-learn releases divide by the number of examples); the gradient is computed in
// closed form, without autograd.

#include <fmt/format.h>
#include <torch/torch.h>

#include <limits>

#include "setfit/errors.hpp"
#include "setfit/plugin.hpp"

namespace {

class LogisticRegressionHead final : public setfit::Head {
 public:
  explicit LogisticRegressionHead(const setfit::Params& params)
      : c_(params.get_float("C")),
        max_iter_(params.get_int("max_iter")),
        tol_(params.get_float("tol")),
        fit_intercept_(params.get_bool("fit_intercept")) {
    if (c_ <= 0) throw setfit::Error("C must be positive");
    if (max_iter_ < 1) throw setfit::Error("max_iter must be positive");
    if (tol_ <= 0) throw setfit::Error("tol must be positive");
  }

  static setfit::PluginInfo info() {
    using setfit::ParamType;
    return {setfit::PluginKind::Head,
            "logistic_regression",
            "1.1.0",  // 1.1: scikit-learn's max_iter and tol, a closed-form gradient
            "L2-regularised logistic regression fitted by L-BFGS (scikit-learn's defaults)",
            {{"C", ParamType::Float, 1.0, "Inverse regularisation strength"},
             {"max_iter", ParamType::Int, std::int64_t{100}, "L-BFGS iterations at most"},
             {"tol", ParamType::Float, 1e-4,
              "Stop when the largest entry of the objective's gradient is below this"},
             {"fit_intercept", ParamType::Bool, true, "Learn an unpenalised intercept"}}};
  }

  bool differentiable() const override { return false; }

  void initialize(std::int64_t embedding_dim, std::int64_t num_classes) override {
    if (num_classes < 2) {
      throw setfit::Error(
          fmt::format("logistic regression needs at least two classes, got {}", num_classes));
    }
    dim_ = embedding_dim;
    classes_ = num_classes;
    const std::int64_t rows = classes_ == 2 ? 1 : classes_;
    weight_ = torch::zeros({rows, dim_}, torch::kFloat64);
    bias_ = torch::zeros({rows}, torch::kFloat64);
  }

  void fit(const at::Tensor& embeddings, const at::Tensor& labels) override {
    if (!weight_.defined()) throw setfit::Error("fit() before initialize()");
    if (embeddings.dim() != 2 || embeddings.size(1) != dim_ || labels.dim() != 1 ||
        labels.size(0) != embeddings.size(0)) {
      throw setfit::Error(fmt::format("fit() expects [N, {}] embeddings and [N] labels", dim_));
    }
    torch::NoGradGuard no_grad;
    const auto x = embeddings.detach().to(torch::kFloat64).contiguous();
    const auto y = labels.detach().to(torch::kLong);
    // Binary: one row of weights and a 0/1 target; more classes: softmax against one-hot.
    const auto target = classes_ == 2 ? y.to(torch::kFloat64).unsqueeze(1)
                                      : torch::one_hot(y, classes_).to(torch::kFloat64);
    auto w = torch::zeros_like(weight_);
    auto b = torch::zeros_like(bias_);
    std::vector<torch::Tensor> params = {w};
    if (fit_intercept_) params.push_back(b);

    // Summed log-loss + 0.5 / C ||w||^2, and its gradient in w.grad / b.grad.
    auto objective = [&] {
      const auto z = torch::addmm(b, x, w.t());
      torch::Tensor data_loss, residual;
      if (classes_ == 2) {
        // log(1 + e^z) - y z, and d/dz = sigmoid(z) - y.
        data_loss = (torch::nn::functional::softplus(z) - target * z).sum();
        residual = torch::sigmoid(z) - target;
      } else {
        const auto log_p = torch::log_softmax(z, 1);
        data_loss = -(log_p * target).sum();
        residual = log_p.exp() - target;
      }
      w.mutable_grad() = torch::mm(residual.t(), x) + w / c_;
      if (fit_intercept_) b.mutable_grad() = residual.sum(0);
      return data_loss + 0.5 / c_ * w.pow(2).sum();
    };
    torch::optim::LBFGS optimizer(params,
                                  torch::optim::LBFGSOptions(1.0)
                                      .max_iter(max_iter_)
                                      .history_size(10)
                                      .tolerance_grad(tol_)
                                      .tolerance_change(64 * std::numeric_limits<double>::epsilon())
                                      .line_search_fn("strong_wolfe"));
    optimizer.step(objective);
    weight_ = w.detach().clone();
    bias_ = b.detach().clone();
  }

  at::Tensor forward(const at::Tensor& embeddings) override {
    if (!weight_.defined()) throw setfit::Error("the head is used before initialize()");
    auto z = torch::matmul(embeddings.to(torch::kFloat64), weight_.t()) + bias_;
    // Binary: scores (0, z), so that a softmax gives the logistic probabilities.
    return classes_ == 2 ? torch::cat({torch::zeros_like(z), z}, 1) : z;
  }

  at::Tensor predict_proba(const at::Tensor& embeddings) override {
    return torch::softmax(forward(embeddings), 1);
  }

  at::Tensor loss(const at::Tensor&, const at::Tensor&) override {
    throw setfit::Error("logistic_regression is fitted with fit(), it has no training loss");
  }

  std::vector<at::Tensor> parameters() override { return {weight_, bias_}; }

  std::vector<std::pair<std::string, at::Tensor>> state() override {
    return {{"weight", weight_}, {"bias", bias_}};
  }
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& state) override {
    if (!weight_.defined()) throw setfit::Error("load_state() before initialize()");
    setfit::assign_state(state, {{"weight", &weight_}, {"bias", &bias_}});
  }

 private:
  double c_;
  std::int64_t max_iter_;
  double tol_;
  bool fit_intercept_;
  std::int64_t dim_ = 0;
  std::int64_t classes_ = 0;
  torch::Tensor weight_, bias_;
};

}  // namespace

SETFIT_PLUGIN(LogisticRegressionHead)
