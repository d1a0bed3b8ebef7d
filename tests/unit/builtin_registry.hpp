#pragma once

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

}  // namespace setfit::test
