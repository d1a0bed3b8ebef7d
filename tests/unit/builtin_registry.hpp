#pragma once

#include <string>
#include <vector>

#include "setfit/plugin_registry.hpp"

namespace setfit::test {

// The built-in plugins, loaded once for the whole test binary.
inline PluginRegistry& builtin_registry() {
  static PluginRegistry* registry = [] {
    auto* loaded = new PluginRegistry();  // never destroyed: components may outlive any test
    loaded->load_directories({PluginRegistry::builtin_dir()});
    return loaded;
  }();
  return *registry;
}

// The names of every built-in plugin of a kind, so conformance suites cover new ones.
inline std::vector<std::string> builtin_names(PluginKind kind) {
  std::vector<std::string> names;
  for (const auto& plugin : builtin_registry().plugins()) {
    if (plugin.info.kind == kind) names.push_back(plugin.info.name);
  }
  return names;
}

}  // namespace setfit::test
