#include "setfit/metrics.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "metric_math.hpp"
#include "setfit/errors.hpp"

namespace setfit {

using detail::precision_recall_f1;
using detail::safe_divide;

std::string default_average(std::size_t num_classes) {
  return num_classes == 2 ? "binary" : "macro";
}

std::map<std::string, double> compute_metrics(const std::vector<std::int64_t>& truth,
                                              const std::vector<std::int64_t>& predicted,
                                              std::size_t num_classes,
                                              const std::vector<std::string>& names,
                                              const std::string& average) {
  if (truth.size() != predicted.size())
    throw Error("metrics: truth and predictions differ in length");
  if (average != "binary" && average != "macro" && average != "micro" && average != "weighted") {
    throw Error(
        fmt::format("unknown average '{}'; expected binary, macro, micro or weighted", average));
  }
  if (average == "binary" && num_classes != 2) {
    throw Error(fmt::format("average \"binary\" needs two classes, the data has {}", num_classes));
  }
  std::vector<double> tp(num_classes), fp(num_classes), fn(num_classes), support(num_classes),
      guessed(num_classes);
  double correct = 0, absolute_error = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto t = static_cast<std::size_t>(truth[i]);
    const auto p = static_cast<std::size_t>(predicted[i]);
    if (t >= num_classes || p >= num_classes) throw Error("metrics: a class index is out of range");
    ++support[t];
    ++guessed[p];
    absolute_error += std::abs(static_cast<double>(truth[i] - predicted[i]));
    if (t == p) {
      ++correct;
      ++tp[t];
    } else {
      ++fp[p];
      ++fn[t];
    }
  }
  const double n = static_cast<double>(truth.size());
  // (precision, recall, f1) under the requested average.
  auto averaged = [&]() -> std::array<double, 3> {
    if (average == "binary") return precision_recall_f1(tp[1], fp[1], fn[1]);
    if (average == "micro") {
      double all_tp = 0, all_fp = 0, all_fn = 0;
      for (std::size_t c = 0; c < num_classes; ++c)
        all_tp += tp[c], all_fp += fp[c], all_fn += fn[c];
      return precision_recall_f1(all_tp, all_fp, all_fn);
    }
    std::array<double, 3> sum{0, 0, 0};
    double weights = 0;
    for (std::size_t c = 0; c < num_classes; ++c) {
      const double w = average == "weighted" ? support[c] : 1.0;
      const auto scores = precision_recall_f1(tp[c], fp[c], fn[c]);
      for (std::size_t m = 0; m < 3; ++m) sum[m] += w * scores[m];
      weights += w;
    }
    return {safe_divide(sum[0], weights), safe_divide(sum[1], weights),
            safe_divide(sum[2], weights)};
  };
  std::map<std::string, double> out;
  for (const auto& name : names) {
    if (name == "accuracy") {
      out[name] = safe_divide(correct, n);
    } else if (name == "precision") {
      out[name] = averaged()[0];
    } else if (name == "recall") {
      out[name] = averaged()[1];
    } else if (name == "f1") {
      out[name] = averaged()[2];
    } else if (name == "matthews_correlation") {
      double pt = 0, pp = 0, tt = 0;
      for (std::size_t c = 0; c < num_classes; ++c)
        pt += guessed[c] * support[c], pp += guessed[c] * guessed[c], tt += support[c] * support[c];
      const double denominator = std::sqrt((n * n - pp) * (n * n - tt));
      out[name] = safe_divide(correct * n - pt, denominator);
    } else if (name == "mae") {
      out[name] = safe_divide(absolute_error, n);
    } else {
      throw Error(
          fmt::format("unknown metric '{}'; known: accuracy, f1, precision, recall, "
                      "matthews_correlation, mae",
                      name));
    }
  }
  return out;
}

}  // namespace setfit
