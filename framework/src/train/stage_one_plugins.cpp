#include "setfit/stage_one_plugins.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "setfit/errors.hpp"
#include "setfit/plugin.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {
namespace {

bool declares(const ParamSchema& schema, std::string_view name) {
  return std::any_of(schema.begin(), schema.end(),
                     [&](const ParamSpec& spec) { return spec.name == name; });
}

// The losses that declare `name`, for the error that a chosen loss does not.
std::string losses_declaring(const PluginRegistry& registry, std::string_view name) {
  std::vector<std::string> names;
  for (const auto& plugin : registry.plugins()) {
    if (plugin.info.kind == PluginKind::Loss && declares(plugin.info.params, name))
      names.push_back(plugin.info.name);
  }
  std::sort(names.begin(), names.end());
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::string stage_one_sampler(const TrainingArguments& args, const PluginRegistry& registry) {
  // Whether a loss needs label-grouped batches is a property of the loss object, and only
  // a default-constructed one is certain to build here.
  const bool needs_batches = registry.create_loss(args.loss)->input() == LossInput::LabelledBatch;
  if (needs_batches && !registry.create_sampler(args.sampling_strategy)->yields_batches())
    return "group_by_label";
  return args.sampling_strategy;
}

StageOnePlugins resolve_stage_one_plugins(const TrainingArguments& args,
                                          const PluginRegistry& registry) {
  StageOnePlugins out;
  out.loss = args.loss;
  const auto& loss = registry.find(PluginKind::Loss, args.loss);
  const std::string loss_owner = fmt::format("loss '{}'", args.loss);
  ParamMap loss_values = args.loss_params;
  // SetFit's TrainingArguments.margin and distance_metric configure the loss; here they do
  // so only for a loss that has them, instead of being silently ignored.
  const auto from_args = [&](const std::string& name, const ParamValue& value) {
    if (!declares(loss.info.params, name)) {
      throw ComponentConfigError(fmt::format(
          "{} takes no '{}', but args.{} is set to {}; losses that take it: {}", loss_owner, name,
          name, format_value(value), losses_declaring(registry, name)));
    }
    if (loss_values.count(name)) {
      throw ComponentConfigError(
          fmt::format("{}: '{}' is set twice, as args.{} and as model.loss_params.{}; set one",
                      loss_owner, name, name, name));
    }
    loss_values.emplace(name, value);
    out.loss_params_from_args.push_back(name);
  };
  if (args.margin) from_args("margin", *args.margin);
  if (args.user_set.count("distance_metric")) from_args("distance_metric", args.distance_metric);
  out.loss_params = Params::resolve(loss.info.params, loss_values, loss_owner);
  registry.create_loss(args.loss, out.loss_params.values());  // the plugin's own checks

  out.sampler = stage_one_sampler(args, registry);
  out.sampler_replaced = out.sampler != args.sampling_strategy;
  const auto& sampler = registry.find(PluginKind::Sampler, out.sampler);
  out.sampler_params = Params::resolve(
      sampler.info.params, args.sampler_params,
      out.sampler_replaced ? fmt::format("sampler '{}' (used instead of '{}' for loss {})",
                                         out.sampler, args.sampling_strategy, args.loss)
                           : fmt::format("sampler '{}'", out.sampler));
  registry.create_sampler(out.sampler, out.sampler_params.values());
  return out;
}

}  // namespace setfit
