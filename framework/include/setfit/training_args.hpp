#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/params.hpp"
#include "setfit/per_stage.hpp"
#include "setfit/records.hpp"

namespace setfit {

// One field of the schema: what `--help`, validation errors and docs show.
struct ArgSpec {
  std::string name;
  std::string type;  // "int", "float", "bool", "string", "int?" (optional), ...
  bool per_stage = false;
  std::string default_text;
  std::string description;
};

// Every setting of a SetFit run, with SetFit's names and defaults
// (docs/training.md). Per-stage fields take one value (both
// stages) or an (embedding, classifier) pair.
struct SETFIT_API TrainingArguments {
  PerStage<std::int64_t> batch_size{16, 2};
  PerStage<std::int64_t> num_epochs{1, 16};
  std::int64_t max_steps = -1;
  std::string sampling_strategy = "oversampling";
  std::optional<std::int64_t> num_iterations;
  PerStage<double> body_learning_rate{2e-5, 1e-5};
  double head_learning_rate = 1e-2;
  std::string loss = "CosineSimilarityLoss";
  std::string distance_metric = "cosine";
  std::optional<double> margin;  // unset: the loss's own default
  bool end_to_end = false;
  bool use_amp = false;
  // Stage 1: encode each distinct text of a batch once, for every pair naming it (up to half
  // the FLOPs). Off by default: with dropout, the uses of a text then share one mask.
  bool dedupe_pair_texts = false;
  double warmup_proportion = 0.1;
  double l2_weight = 0.01;
  std::optional<std::int64_t> max_length;
  std::int64_t seed = 42;
  std::string eval_strategy = "no";  // "no", "steps", "epoch"
  std::optional<std::int64_t> eval_steps;
  std::int64_t logging_steps = 50;
  std::string save_strategy = "no";  // "no", "steps", "epoch"
  std::int64_t save_steps = 500;
  bool load_best_model_at_end = false;
  std::string metric_for_best_model = "embedding_loss";
  bool greater_is_better = false;
  std::string output_dir = "checkpoints";
  std::int64_t early_stopping_patience = 0;  // 0: no early stopping
  double early_stopping_threshold = 0.0;

  // The stage-1 plugins' own parameters (a config's [model] loss_params and
  // sampler_params), validated against each plugin's schema when training starts. `margin`
  // and `distance_metric` above reach the loss too, when its schema declares them.
  ParamMap loss_params;
  ParamMap sampler_params;

  // Keys the user set explicitly (the rest are defaults).
  std::set<std::string> user_set;

  // Applies the keys of a TOML table, e.g. the [args] table of a config file. Errors name
  // origin:line:column, the key and what was expected; unknown keys suggest the nearest
  // known one. Legacy SetFitTrainer keys (learning_rate, loss_class) are accepted with a
  // warning that shows the new form. Validates the result.
  static TrainingArguments from_toml(std::string_view toml_text, const std::string& origin,
                                     std::string_view table = "args");

  // Throws setfit::Error naming the first invalid field.
  void validate() const;
  // Every field, per stage where it has one, marked default or user-set.
  std::vector<ArgRecord> records() const;
  static const std::vector<ArgSpec>& schema();
  // The schema as help text, one field per line.
  static std::string help();
};

}  // namespace setfit
