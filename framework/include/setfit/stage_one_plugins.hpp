#pragma once

// Which loss and sampler stage 1 runs with, and their parameters, resolved once from
// TrainingArguments: by the trainer before it trains, and by config and sweep validation
// before anything runs, so that both agree.

#include <memory>
#include <string>

#include "setfit/export.hpp"
#include "setfit/params.hpp"
#include "setfit/training_args.hpp"

namespace setfit {

class PluginRegistry;
class Loss;
class Sampler;

struct StageOnePlugins {
  std::string loss;
  Params loss_params;
  // The sampler that runs: sampling_strategy, or group_by_label when the loss needs
  // label-grouped batches and sampling_strategy yields pairs.
  std::string sampler;
  Params sampler_params;
  bool sampler_replaced = false;
  // Which loss parameters came from TrainingArguments' margin and distance_metric.
  std::vector<std::string> loss_params_from_args;
};

// Resolves the loss parameters (args.loss_params, plus args.margin and a user-set
// args.distance_metric, which map onto the loss only when its schema declares them) and
// the sampler parameters (args.sampler_params, against the sampler that will run).
// Creates each plugin once so that its own checks run too. Throws ComponentConfigError for
// an unknown parameter (with the nearest name), a wrong type, a TrainingArguments field the
// loss does not take, or a parameter set twice; its parameter() is then the config key
// ("loss_params.temperature", "sampler_params.samples_per_label") where there is one.
SETFIT_API StageOnePlugins resolve_stage_one_plugins(const TrainingArguments& args,
                                                     const PluginRegistry& registry);

}  // namespace setfit
