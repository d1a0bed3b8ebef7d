#include <fmt/format.h>

#include <array>

#include "metric_math.hpp"
#include "setfit/errors.hpp"
#include "setfit/metrics.hpp"

namespace setfit {
using detail::safe_divide;

std::map<std::string, double> compute_multi_label_metrics(
    const std::vector<std::vector<std::uint8_t>>& truth,
    const std::vector<std::vector<std::uint8_t>>& predicted, const std::vector<std::string>& names,
    const std::string& average) {
  if (truth.size() != predicted.size())
    throw Error("metrics: truth and predictions differ in length");
  if (average != "micro" && average != "macro" && average != "weighted" && average != "samples") {
    throw Error(fmt::format(
        "unknown multi-label average '{}'; expected micro, macro, weighted or samples", average));
  }
  const std::size_t labels = truth.empty() ? 0 : truth.front().size();
  std::vector<double> tp(labels), fp(labels), fn(labels), support(labels);
  std::array<double, 3> per_sample{0, 0, 0};
  double exact = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i].size() != labels || predicted[i].size() != labels)
      throw Error("metrics: every row needs one entry per label");
    double row_tp = 0, row_fp = 0, row_fn = 0;
    for (std::size_t k = 0; k < labels; ++k) {
      const bool t = truth[i][k] != 0, p = predicted[i][k] != 0;
      support[k] += t;
      if (t && p) ++tp[k], ++row_tp;
      if (!t && p) ++fp[k], ++row_fp;
      if (t && !p) ++fn[k], ++row_fn;
    }
    exact += (row_fp == 0 && row_fn == 0);
    const auto row = detail::precision_recall_f1(row_tp, row_fp, row_fn);
    for (int m = 0; m < 3; ++m)
      per_sample[static_cast<std::size_t>(m)] += row[static_cast<std::size_t>(m)];
  }
  const double n = static_cast<double>(truth.size());
  auto averaged = [&]() -> std::array<double, 3> {
    if (average == "samples")
      return {safe_divide(per_sample[0], n), safe_divide(per_sample[1], n),
              safe_divide(per_sample[2], n)};
    if (average == "micro") {
      double a = 0, b = 0, c = 0;
      for (std::size_t k = 0; k < labels; ++k) a += tp[k], b += fp[k], c += fn[k];
      return detail::precision_recall_f1(a, b, c);
    }
    std::array<double, 3> sum{0, 0, 0};
    double weights = 0;
    for (std::size_t k = 0; k < labels; ++k) {
      const double w = average == "weighted" ? support[k] : 1.0;
      const auto s = detail::precision_recall_f1(tp[k], fp[k], fn[k]);
      for (std::size_t m = 0; m < 3; ++m) sum[m] += w * s[m];
      weights += w;
    }
    return {safe_divide(sum[0], weights), safe_divide(sum[1], weights),
            safe_divide(sum[2], weights)};
  };
  std::map<std::string, double> out;
  for (const auto& name : names) {
    if (name == "accuracy")
      out[name] = safe_divide(exact, n);
    else if (name == "precision")
      out[name] = averaged()[0];
    else if (name == "recall")
      out[name] = averaged()[1];
    else if (name == "f1")
      out[name] = averaged()[2];
    else
      throw Error(fmt::format(
          "metric '{}' is not defined for multi-label data; use accuracy, f1, precision or recall",
          name));
  }
  return out;
}

}  // namespace setfit
