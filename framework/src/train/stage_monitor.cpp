#include "stage_monitor.hpp"

namespace setfit::detail {

StageMonitor::StageMonitor(const TrainingArguments& args, bool can_evaluate)
    : eval_strategy_(can_evaluate ? args.eval_strategy : "no"),
      save_strategy_(args.save_strategy),
      eval_steps_(args.eval_steps.value_or(args.logging_steps)),
      save_steps_(args.save_steps),
      metric_(args.metric_for_best_model.rfind("eval_", 0) == 0
                  ? args.metric_for_best_model.substr(5)
                  : args.metric_for_best_model),
      greater_is_better_(args.greater_is_better),
      patience_(args.early_stopping_patience),
      threshold_(args.early_stopping_threshold) {}

bool StageMonitor::due(const std::string& strategy, std::int64_t every, std::int64_t steps_done,
                       bool epoch_end) {
  if (strategy == "epoch") return epoch_end;
  if (strategy == "steps") return !epoch_end && steps_done > 0 && steps_done % every == 0;
  return false;
}

bool StageMonitor::evaluate_now(std::int64_t steps_done, bool epoch_end) const {
  return due(eval_strategy_, eval_steps_, steps_done, epoch_end);
}

bool StageMonitor::save_now(std::int64_t steps_done, bool epoch_end) const {
  return due(save_strategy_, save_steps_, steps_done, epoch_end);
}

bool StageMonitor::record(const std::map<std::string, double>& metrics) {
  const auto found = metrics.find(metric_);
  if (found == metrics.end()) return false;
  const double value = found->second;
  const bool improved =
      !best_ || (greater_is_better_ ? value > *best_ + threshold_ : value < *best_ - threshold_);
  const bool best_so_far = !best_ || (greater_is_better_ ? value > *best_ : value < *best_);
  if (improved)
    evaluations_without_improvement_ = 0;
  else
    ++evaluations_without_improvement_;
  if (best_so_far) best_ = value;
  return best_so_far;
}

bool StageMonitor::should_stop() const {
  return patience_ > 0 && evaluations_without_improvement_ >= patience_;
}

}  // namespace setfit::detail
