#pragma once

// GoogleTest for a plugin's own test suite (CMake target setfit::conformance): the
// conformance checks of the plugin's kind (plugin_conformance.hpp) on a built plugin file,
// one failure per check that does not pass.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "setfit/plugin_conformance.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {

// The plugin `name` of `kind` in `registry`; returns how many checks ran.
inline std::size_t expect_conformance(const PluginRegistry& registry, PluginKind kind,
                                      const std::string& name) {
  const auto results = check_conformance(registry, kind, name);
  for (const auto& result : results)
    EXPECT_TRUE(result.passed) << name << ": " << result.check << ": " << result.detail;
  return results.size();
}

// The plugin in a built file.
inline void expect_conformance(const std::filesystem::path& plugin_file) {
  PluginRegistry registry;
  ASSERT_TRUE(registry.load_file(plugin_file))
      << plugin_file.string() << ": " << registry.failures().front().reason;
  const auto& plugin = registry.plugins().front();
  expect_conformance(registry, plugin.info.kind, plugin.info.name);
}

}  // namespace setfit
