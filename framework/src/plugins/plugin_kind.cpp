// The plugin kinds by name; apart from the interfaces, so that code without LibTorch (the
// thin front end reading manifests) can name them.

#include <fmt/format.h>

#include "setfit/errors.hpp"
#include "setfit/plugin.hpp"

namespace setfit {

std::string_view to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::Loss:
      return "loss";
    case PluginKind::Head:
      return "head";
    case PluginKind::Sampler:
      return "sampler";
  }
  return "?";
}

PluginKind plugin_kind_from_string(std::string_view text) {
  if (text == "loss") return PluginKind::Loss;
  if (text == "head") return PluginKind::Head;
  if (text == "sampler") return PluginKind::Sampler;
  throw UsageError(fmt::format("unknown plugin kind '{}'; expected loss, head or sampler", text));
}

}  // namespace setfit
