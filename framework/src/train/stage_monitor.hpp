#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "setfit/export.hpp"
#include "setfit/training_args.hpp"

namespace setfit::detail {

// The bookkeeping around one stage's optimisation steps: when to evaluate and when to
// checkpoint (eval_strategy/eval_steps, save_strategy/save_steps), the best value of
// metric_for_best_model so far, and early stopping (early_stopping_patience/threshold).
class SETFIT_API StageMonitor {
 public:
  StageMonitor(const TrainingArguments& args, bool can_evaluate);

  // After `steps_done` steps; `epoch_end` when an epoch has just finished.
  bool evaluate_now(std::int64_t steps_done, bool epoch_end) const;
  bool save_now(std::int64_t steps_done, bool epoch_end) const;

  // Takes an evaluation's metrics (keys without the "eval_" prefix). Returns true when
  // metric_for_best_model is present and better than every earlier value.
  bool record(const std::map<std::string, double>& metrics);
  // Early stopping: patience evaluations in a row without improvement.
  bool should_stop() const;
  bool has_best() const { return best_.has_value(); }
  double best() const { return best_.value_or(0.0); }
  const std::string& metric() const { return metric_; }

 private:
  static bool due(const std::string& strategy, std::int64_t every, std::int64_t steps_done,
                  bool epoch_end);

  std::string eval_strategy_, save_strategy_;
  std::int64_t eval_steps_, save_steps_;
  std::string metric_;
  bool greater_is_better_;
  std::int64_t patience_;
  double threshold_;
  std::optional<double> best_;
  std::int64_t evaluations_without_improvement_ = 0;
};

}  // namespace setfit::detail
