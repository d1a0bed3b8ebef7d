#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/params.hpp"
#include "setfit/plugin.hpp"

namespace setfit {

// A plugin that loaded and passed every check.
struct LoadedPlugin {
  PluginInfo info;
  std::filesystem::path file;
};

// A file that was tried and refused, with the reason in full.
struct PluginLoadFailure {
  std::filesystem::path file;
  std::string reason;
};

// Finds, loads and checks plugin libraries, and creates their components.
//
// Loading never throws for a bad file: the failure is recorded and reported by
// failures() and `setfit plugins list`. It becomes fatal only when something asks for
// a component that is missing or claimed twice. Components hold their library
// loaded, so they may outlive the registry. Load plugins from one thread.
class SETFIT_API PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // The directories searched, in order: `flag_dirs` (--plugin-dir), then the entries
  // of SETFIT_PLUGIN_PATH (colon-separated), then the built-in plugin directory.
  static std::vector<std::filesystem::path> search_path(
      const std::vector<std::filesystem::path>& flag_dirs);
  // Where the built-in plugins live: <dir of libsetfit>/setfit/plugins, in the build
  // tree and in an install alike.
  static std::filesystem::path builtin_dir();

  // Loads every shared library (*.so) directly inside each directory, in order.
  // Missing directories are skipped (logged at debug level).
  void load_directories(const std::vector<std::filesystem::path>& dirs);
  // Loads one file; returns false and records the failure when it is refused.
  bool load_file(const std::filesystem::path& file);

  const std::vector<LoadedPlugin>& plugins() const;
  const std::vector<PluginLoadFailure>& failures() const;

  // The plugin of that kind and name; throws UnknownComponent listing what exists
  // (and any load failures, which may explain a missing name), or naming both files
  // when two plugins claim the name.
  const LoadedPlugin& find(PluginKind kind, std::string_view name) const;

  // Creates a component; `params` are validated against the plugin's schema first.
  // Exceptions thrown by the plugin reach the caller as PluginError naming it.
  std::shared_ptr<Loss> create_loss(std::string_view name, const ParamMap& params = {}) const;
  std::shared_ptr<Head> create_head(std::string_view name, const ParamMap& params = {}) const;
  std::shared_ptr<Sampler> create_sampler(std::string_view name, const ParamMap& params = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace setfit
