#pragma once

// GoogleTest for a plugin's own test suite (CMake target setfit::conformance): the
// conformance checks of the plugin's kind (plugin_conformance.hpp) on a built plugin file,
// one failure per check that does not pass.

#include <gtest/gtest.h>

#include <filesystem>

#include "setfit/plugin_conformance.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {

inline void expect_conformance(const std::filesystem::path& plugin_file) {
  PluginRegistry registry;
  ASSERT_TRUE(registry.load_file(plugin_file))
      << plugin_file.string() << ": " << registry.failures().front().reason;
  const auto& plugin = registry.plugins().front();
  for (const auto& result : check_conformance(registry, plugin.info.kind, plugin.info.name))
    EXPECT_TRUE(result.passed) << plugin.info.name << ": " << result.check << ": " << result.detail;
}

}  // namespace setfit
