// Metrics against values worked out by hand for small confusion matrices.
#include <gtest/gtest.h>

#include "setfit/errors.hpp"
#include "setfit/metrics.hpp"

namespace setfit {
namespace {

// truth 0 0 1 1 1 2, predicted 0 1 1 1 0 2: per class (tp, fp, fn) = (1,1,1), (2,1,1), (1,0,0).
const std::vector<std::int64_t> kTruth = {0, 0, 1, 1, 1, 2};
const std::vector<std::int64_t> kPredicted = {0, 1, 1, 1, 0, 2};
const std::vector<std::string> kAll = {
    "accuracy", "f1", "precision", "recall", "matthews_correlation", "mae"};

TEST(Metrics, MultiClassAverages) {
  auto macro = compute_metrics(kTruth, kPredicted, 3, kAll, "macro");
  EXPECT_NEAR(macro["accuracy"], 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(macro["f1"], (0.5 + 2.0 / 3.0 + 1.0) / 3.0, 1e-12);
  EXPECT_NEAR(macro["precision"], (0.5 + 2.0 / 3.0 + 1.0) / 3.0, 1e-12);
  EXPECT_NEAR(macro["mae"], 2.0 / 6.0, 1e-12);
  // MCC = (c s - sum p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)) = (24 - 14) / 22.
  EXPECT_NEAR(macro["matthews_correlation"], 10.0 / 22.0, 1e-12);
  EXPECT_NEAR(compute_metrics(kTruth, kPredicted, 3, {"f1"}, "micro")["f1"], 4.0 / 6.0, 1e-12);
  // Weighted by support 2, 3, 1: (2 * 0.5 + 3 * 2/3 + 1 * 1) / 6.
  EXPECT_NEAR(compute_metrics(kTruth, kPredicted, 3, {"recall"}, "weighted")["recall"], 4.0 / 6.0,
              1e-12);
}

TEST(Metrics, BinaryUsesClassOneAsPositive) {
  auto m = compute_metrics({0, 1, 1, 0}, {1, 1, 0, 0}, 2, {"precision", "recall", "f1"}, "binary");
  EXPECT_NEAR(m["precision"], 0.5, 1e-12);
  EXPECT_NEAR(m["recall"], 0.5, 1e-12);
  EXPECT_NEAR(m["f1"], 0.5, 1e-12);
  EXPECT_EQ(default_average(2), "binary");
  EXPECT_EQ(default_average(5), "macro");
}

TEST(Metrics, ZeroDivisionGivesZeroAndBadNamesAreErrors) {
  auto m = compute_metrics({0, 0}, {0, 0}, 2, {"precision", "matthews_correlation"}, "binary");
  EXPECT_EQ(m["precision"], 0.0);
  EXPECT_EQ(m["matthews_correlation"], 0.0);
  EXPECT_THROW(compute_metrics(kTruth, kPredicted, 3, {"auc"}, "macro"), Error);
  EXPECT_THROW(compute_metrics(kTruth, kPredicted, 3, {"f1"}, "binary"), Error);
  EXPECT_THROW(compute_metrics(kTruth, kPredicted, 3, {"f1"}, "samples"), Error);
}

}  // namespace
}  // namespace setfit
