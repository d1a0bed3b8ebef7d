#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "setfit/export.hpp"

namespace setfit {

// Classification metrics on class indices, as scikit-learn computes them (a class
// without predictions or examples contributes 0, as with zero_division=0).
// Names: accuracy, f1, precision, recall, matthews_correlation, mae. `average` applies to
// f1, precision and recall: "binary" (class 1 is positive), "macro", "micro", "weighted".
// Throws setfit::Error for an unknown name or average.
SETFIT_API std::map<std::string, double> compute_metrics(const std::vector<std::int64_t>& truth,
                                                         const std::vector<std::int64_t>& predicted,
                                                         std::size_t num_classes,
                                                         const std::vector<std::string>& names,
                                                         const std::string& average);

// Multi-label metrics on 0/1 indicator rows (one column per label), as scikit-learn:
// accuracy is the exact-match ratio; f1, precision and recall are per label averaged
// "micro", "macro", "weighted" (by support) or "samples" (per example). Other metric
// names and averages throw setfit::Error.
SETFIT_API std::map<std::string, double> compute_multi_label_metrics(
    const std::vector<std::vector<std::uint8_t>>& truth,
    const std::vector<std::vector<std::uint8_t>>& predicted, const std::vector<std::string>& names,
    const std::string& average);

// "binary" for two classes, "macro" otherwise.
SETFIT_API std::string default_average(std::size_t num_classes);

}  // namespace setfit
