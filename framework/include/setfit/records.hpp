#pragma once

// The values a run produces and the run store keeps, shared by the trainer (which makes
// them), the config (which describes a run with them) and the store (which writes them),
// so that none of those needs another's header.

#include <cstdint>
#include <optional>
#include <string>

namespace setfit {

// One recorded value of a run's configuration.
struct ArgRecord {
  std::string key;
  std::string stage;                // "embedding", "classifier" or "global"
  std::string value_text;           // TOML-like rendering
  std::optional<double> value_num;  // numbers and booleans (1/0)
  bool is_default = true;           // false when the user set it
};

// One logged value: the training loss every logging_steps, and every evaluation
// ("eval_<metric>", "eval_embedding_loss"), per stage.
struct MetricPoint {
  std::string stage;  // "embedding" or "classifier"
  std::int64_t step = 0;
  std::string key;
  double value = 0.0;
};

// A value of a run's summary (test metrics): NaN and infinities are kept as such.
struct SummaryValue {
  std::string key;
  double value = 0.0;
};

// A parameter a sweep varies, apart from fixed and default values: what results queries
// tell configurations apart by.
struct VariedParameter {
  std::string key;   // the config path, "args.batch_size", "args.body_learning_rate[embedding]"
  std::string kind;  // "grid", "zip" (varies with others), "random" or "seeds"
};

}  // namespace setfit
