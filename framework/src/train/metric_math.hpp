#pragma once

#include <array>

// The arithmetic scikit-learn's classification metrics share (zero_division = 0).
namespace setfit::detail {

inline double safe_divide(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

// (precision, recall, f1) from true positive, false positive and false negative counts.
inline std::array<double, 3> precision_recall_f1(double tp, double fp, double fn) {
  const double p = safe_divide(tp, tp + fp), r = safe_divide(tp, tp + fn);
  return {p, r, safe_divide(2 * p * r, p + r)};
}

}  // namespace setfit::detail
