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

// Params::resolve, with the offending parameter named by its config table
// ("loss_params.temperature"), so that a config reader can say where it was written.
Params resolve_in_table(const ParamSchema& schema, const ParamMap& values, const std::string& owner,
                        const std::string& table) {
  try {
    return Params::resolve(schema, values, owner);
  } catch (const ComponentConfigError& e) {
    throw ComponentConfigError(e.what(), e.parameter().empty() ? "" : table + "." + e.parameter());
  }
}

}  // namespace

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
                      loss_owner, name, name, name),
          "loss_params." + name);
    }
    loss_values.emplace(name, value);
    out.loss_params_from_args.push_back(name);
  };
  if (args.margin) from_args("margin", *args.margin);
  if (args.user_set.count("distance_metric")) from_args("distance_metric", args.distance_metric);
  out.loss_params = resolve_in_table(loss.info.params, loss_values, loss_owner, "loss_params");
  // Created once, so that the plugin's own checks run, and to ask what it consumes.
  const auto created = registry.create_loss(args.loss, out.loss_params.values());

  // A loss that needs label-grouped batches gets group_by_label unless the chosen sampler
  // yields batches itself.
  out.sampler = args.sampling_strategy;
  if (created->input() == LossInput::LabelledBatch &&
      !registry.create_sampler(args.sampling_strategy)->yields_batches()) {
    out.sampler = "group_by_label";
    out.sampler_replaced = true;
  }
  const auto& sampler = registry.find(PluginKind::Sampler, out.sampler);
  out.sampler_params = resolve_in_table(
      sampler.info.params, args.sampler_params,
      out.sampler_replaced ? fmt::format("sampler '{}' (used instead of '{}' for loss {})",
                                         out.sampler, args.sampling_strategy, args.loss)
                           : fmt::format("sampler '{}'", out.sampler),
      "sampler_params");
  registry.create_sampler(out.sampler, out.sampler_params.values());
  return out;
}

}  // namespace setfit
