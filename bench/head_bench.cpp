// The logistic_regression head's fit on SetFit-sized embeddings: 128 examples x 384
// dimensions (a MiniLM body's width), 2 and 4 classes of Gaussian clusters scaled to unit
// length, with the head's defaults and with the previous ones (max_iter 1000, tol 1e-6).
// The first fit of the process and the best of 20, at 1 thread. Not a test: figures go to
// bench/README.md.
//   bench_head

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <limits>

#include "setfit/plugin_registry.hpp"

namespace {

struct Data {
  torch::Tensor x, y;
};

Data clusters(std::int64_t classes, std::int64_t rows, std::int64_t dim) {
  torch::manual_seed(7);
  const auto centres = torch::randn({classes, dim}) * 0.3;
  const auto y = torch::arange(rows) % classes;
  const auto x = centres.index_select(0, y) + torch::randn({rows, dim});
  return {x / x.norm(2, 1, true), y};
}

struct Timing {
  double first = 0;  // the first fit of these settings (cold caches)
  double best = std::numeric_limits<double>::infinity();
  double accuracy = 0;
};

Timing fit_seconds(const setfit::PluginRegistry& registry, const setfit::ParamMap& params,
                   const Data& data, std::int64_t classes) {
  Timing t;
  for (int i = 0; i < 20; ++i) {
    auto head = registry.create_head("logistic_regression", params);
    head->initialize(data.x.size(1), classes);
    const auto start = std::chrono::steady_clock::now();
    head->fit(data.x, data.y);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (i == 0) t.first = seconds;
    t.best = std::min(t.best, seconds);
    t.accuracy =
        head->predict_proba(data.x).argmax(1).eq(data.y).to(torch::kFloat64).mean().item<double>();
  }
  return t;
}

}  // namespace

int main() {
  torch::set_num_threads(1);
  setfit::PluginRegistry registry;
  registry.load_directories({setfit::PluginRegistry::builtin_dir()});
  fmt::print(
      "| classes | defaults (max_iter 100, tol 1e-4): first fit | best of 20 | previous defaults "
      "(1000, 1e-6): best of 20 | train accuracy (defaults / previous) |\n"
      "|---|---|---|---|---|\n");
  for (const std::int64_t classes : {2, 4}) {
    const auto data = clusters(classes, 128, 384);
    const auto now = fit_seconds(registry, {}, data, classes);
    const auto before =
        fit_seconds(registry, {{"max_iter", std::int64_t{1000}}, {"tol", 1e-6}}, data, classes);
    fmt::print("| {} | {:.4f} s | {:.4f} s | {:.4f} s | {:.3f} / {:.3f} |\n", classes, now.first,
               now.best, before.best, now.accuracy, before.accuracy);
  }
}
