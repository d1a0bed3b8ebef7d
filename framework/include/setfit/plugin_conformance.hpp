#pragma once

// What every plugin of its kind must do, checked on a loaded plugin: finite outputs, gradients
// that reach the embeddings, determinism under a seed, a state round trip (heads), and a
// parameter schema whose defaults, given explicitly, change nothing. `setfit plugins check
// FILE --conformance` runs these checks; the test suites of the built-ins assert them.

#include <string>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/plugin.hpp"

namespace setfit {

class PluginRegistry;

struct ConformanceResult {
  std::string check;  // what was checked, e.g. "returns a finite scalar"
  bool passed = false;
  std::string detail;  // why it failed (what was seen, what was expected)
};

// Runs every check of `kind` on the plugin `name` of the registry. A check that throws fails
// with the exception's message; the others still run.
SETFIT_API std::vector<ConformanceResult> check_conformance(const PluginRegistry& registry,
                                                            PluginKind kind,
                                                            const std::string& name);

}  // namespace setfit
