#pragma once

// A new plugin project (`setfit plugins new loss|head|sampler NAME`): a CMake project built
// against the installed SDK, a working source with TODOs where the maths goes, a GoogleTest
// conformance test, and a README with the commands to build, test and use it.

#include <filesystem>
#include <string>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/plugin.hpp"

namespace setfit {

// The library target and file stem for a class name: "CoSENTLoss" -> "co_sent_loss".
SETFIT_API std::string plugin_target_name(const std::string& class_name);

// Writes the project into `dir` (created; refused when it holds any of the files) and returns
// the files written. `class_name` must be a C++ identifier; throws UsageError otherwise.
SETFIT_API std::vector<std::filesystem::path> write_plugin_project(
    PluginKind kind, const std::string& class_name, const std::filesystem::path& dir);

}  // namespace setfit
