#include "setfit/plugin_registry.hpp"

#include <fmt/format.h>
#include <fmt/std.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "elf_section.hpp"
#include "guarded_components.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/text.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

using AbiFn = const setfit_abi_stamp*();
using InfoFn = const PluginInfo*();
using CreateFn = Component*(const Params&);

constexpr const char* kAbiSymbol = "setfit_plugin_abi";
constexpr const char* kInfoSymbol = "setfit_plugin_info";
constexpr const char* kCreateSymbol = "setfit_plugin_create";

std::string describe(const setfit_abi_stamp& stamp) {
  return fmt::format("plugin ABI {}, LibTorch {}, {} {}", stamp.abi_version,
                     stamp.torch_version ? stamp.torch_version : "?",
                     stamp.compiler_id ? stamp.compiler_id : "?", stamp.compiler_major);
}

bool same_stamp(const setfit_abi_stamp& a, const setfit_abi_stamp& b) {
  auto same_text = [](const char* x, const char* y) {
    return x != nullptr && y != nullptr && std::strcmp(x, y) == 0;
  };
  return a.abi_version == b.abi_version && same_text(a.torch_version, b.torch_version) &&
         same_text(a.compiler_id, b.compiler_id) && a.compiler_major == b.compiler_major;
}

// Boost.DLL reports dlopen failures as "<context> (dlerror system message: <text>): <errno
// text>"; the dlerror text is the part that explains the problem.
std::string dlopen_reason(const std::exception& e) {
  std::string_view message = e.what();
  constexpr std::string_view marker = "(dlerror system message: ";
  auto start = message.find(marker);
  if (start == std::string_view::npos) return std::string(message);
  start += marker.size();
  auto end = message.rfind(')');
  if (end == std::string_view::npos || end < start) end = message.size();
  return std::string(message.substr(start, end - start));
}

// Throws unless the schema's defaults have the types it declares.
void check_schema(const PluginInfo& info) {
  for (const auto& spec : info.params) {
    if (spec.name.empty()) throw PluginLoadError("a parameter in its schema has no name");
    if (type_of(spec.default_value) != spec.type) {
      throw PluginLoadError(fmt::format("parameter '{}' is declared {} but its default {} is a {}",
                                        spec.name, to_string(spec.type),
                                        format_value(spec.default_value),
                                        to_string(type_of(spec.default_value))));
    }
  }
}

std::string label_of(const LoadedPlugin& plugin) {
  return fmt::format("{} plugin '{}' ({})", to_string(plugin.info.kind), plugin.info.name,
                     plugin.file.string());
}

}  // namespace

struct PluginRegistry::Impl {
  struct Entry {
    std::shared_ptr<boost::dll::shared_library> library;
    CreateFn* create = nullptr;
  };

  std::vector<LoadedPlugin> plugins;  // parallel to entries
  std::vector<Entry> entries;
  std::vector<PluginLoadFailure> failures;
  std::set<fs::path> seen_files;
  // (kind, name) claimed by more than one file: every file that claimed it.
  std::map<std::pair<PluginKind, std::string>, std::vector<fs::path>, std::less<>> duplicates;

  void fail(const fs::path& file, std::string reason) {
    log::debug("plugin {} refused: {}", file.string(), reason);
    failures.push_back({file, std::move(reason)});
  }

  // Returns the index of the entry, or throws.
  std::size_t index_of(PluginKind kind, std::string_view name) const {
    auto duplicate = duplicates.find(std::pair{kind, std::string(name)});
    if (duplicate != duplicates.end()) {
      std::vector<std::string> files;
      for (const auto& f : duplicate->second) files.push_back(f.string());
      throw UnknownComponent(fmt::format(
          "{} plugin '{}' is provided by more than one file: {}; remove all but one, or take "
          "its directory off the plugin search path",
          to_string(kind), name, fmt::join(files, " and ")));
    }
    for (std::size_t i = 0; i < plugins.size(); ++i) {
      if (plugins[i].info.kind == kind && plugins[i].info.name == name) return i;
    }
    std::vector<std::string> known;
    for (const auto& p : plugins) {
      if (p.info.kind == kind) known.push_back(p.info.name);
    }
    std::string message =
        fmt::format("no {} plugin named '{}'; available: {}", to_string(kind), name,
                    known.empty() ? "none" : fmt::to_string(fmt::join(known, ", ")));
    if (!failures.empty()) {
      message +=
          fmt::format("; {} file(s) failed to load (see `setfit plugins list`):", failures.size());
      for (const auto& f : failures)
        message += fmt::format("\n  {}: {}", f.file.string(), f.reason);
    }
    throw UnknownComponent(message);
  }

  template <typename Interface>
  std::shared_ptr<Interface> create(PluginKind kind, std::string_view name,
                                    const ParamMap& params) const {
    const std::size_t index = index_of(kind, name);
    const LoadedPlugin& plugin = plugins[index];
    const Entry& entry = entries[index];
    const std::string label = label_of(plugin);
    Params resolved =
        Params::resolve(plugin.info.params, params, fmt::format("{} '{}'", to_string(kind), name));

    Component* raw =
        detail::call_plugin(label, "its factory", [&] { return entry.create(resolved); });
    if (raw == nullptr) throw PluginError(fmt::format("{}: its factory returned null", label));
    // The deleter lives here in libsetfit and keeps the library loaded until the object
    // has been destroyed by its own (plugin-side) destructor.
    std::shared_ptr<Component> owned(raw, [library = entry.library](Component* c) { delete c; });
    auto typed = std::dynamic_pointer_cast<Interface>(owned);
    if (!typed) {
      throw PluginError(
          fmt::format("{}: declares kind {} but its factory made an object of "
                      "another interface",
                      label, to_string(kind)));
    }
    return detail::guard(std::move(typed), label);
  }
};

PluginRegistry::PluginRegistry() : impl_(std::make_unique<Impl>()) {}
PluginRegistry::~PluginRegistry() = default;

fs::path PluginRegistry::builtin_dir() {
  // this_line_location() is the file holding this function: libsetfit itself.
  std::error_code ec;
  fs::path library = fs::weakly_canonical(boost::dll::this_line_location(), ec);
  if (ec) library = boost::dll::this_line_location();
  return library.parent_path() / "setfit" / "plugins";
}

std::vector<fs::path> PluginRegistry::search_path(const std::vector<fs::path>& flag_dirs) {
  std::vector<fs::path> dirs = flag_dirs;
  if (const char* env = std::getenv("SETFIT_PLUGIN_PATH")) {
    std::string_view rest = env;
    while (!rest.empty()) {
      auto colon = rest.find(':');
      auto part = rest.substr(0, colon);
      if (!part.empty()) dirs.emplace_back(std::string(part));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.push_back(builtin_dir());

  // The same directory named twice (a flag and the environment) is searched once.
  std::vector<fs::path> unique;
  std::set<fs::path> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(dir, ec);
    if (ec) key = dir;
    if (seen.insert(key).second) unique.push_back(dir);
  }
  return unique;
}

void PluginRegistry::load_directories(const std::vector<fs::path>& dirs) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      log::debug("plugin directory {} does not exist; skipped", dir.string());
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& item : fs::directory_iterator(dir, ec)) {
      if (item.path().extension() == ".so" && item.is_regular_file(ec))
        files.push_back(item.path());
    }
    if (ec) {
      impl_->fail(dir, fmt::format("cannot list the directory: {}", ec.message()));
      continue;
    }
    std::sort(files.begin(), files.end());  // load order must not depend on the file system
    log::debug("plugin directory {}: {} librar{}", dir.string(), files.size(),
               files.size() == 1 ? "y" : "ies");
    for (const auto& file : files) load_file(file);
  }
}

bool PluginRegistry::load_file(const fs::path& given) {
  std::error_code ec;
  fs::path file = fs::canonical(given, ec);
  if (ec) {
    impl_->fail(given, fmt::format("cannot open: {}", ec.message()));
    return false;
  }
  if (!impl_->seen_files.insert(file).second) return true;  // already loaded once

  // The ABI stamp is read from the file first: loading runs the library's static
  // initialisers, which a plugin built for another ABI must never get to do.
  std::optional<std::string> stamp_text;
  try {
    stamp_text = detail::read_elf_section(file, SETFIT_ABI_SECTION, 256);
  } catch (const Error& e) {
    impl_->fail(file, fmt::format("not a loadable shared library: {}", e.what()));
    return false;
  }
  if (!stamp_text) {
    impl_->fail(file, fmt::format("not a setfit plugin: it carries no ABI stamp (section {}); "
                                  "plugins export themselves with SETFIT_PLUGIN(Class), and one "
                                  "built by a setfit older than plugin ABI 5 must be rebuilt",
                                  SETFIT_ABI_SECTION));
    return false;
  }
  // Read from an untrusted file: printed with any odd byte as \xNN.
  const std::string built_for = printable_bytes(stamp_text->substr(0, stamp_text->find('\0')));
  if (built_for != host_abi_text()) {
    impl_->fail(file, fmt::format("ABI mismatch: the plugin was built against {}, but this setfit "
                                  "uses {}; rebuild the plugin against this setfit's SDK",
                                  built_for, host_abi_text()));
    return false;
  }

  std::shared_ptr<boost::dll::shared_library> library;
  try {
    library = std::make_shared<boost::dll::shared_library>(
        file, boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    impl_->fail(file, fmt::format("not a loadable shared library: {}", dlopen_reason(e)));
    return false;
  }

  // The ABI stamp is checked before any other symbol is touched.
  if (!library->has(kAbiSymbol)) {
    impl_->fail(file, fmt::format("not a setfit plugin: it does not export {} (plugins export "
                                  "themselves with SETFIT_PLUGIN(Class))",
                                  kAbiSymbol));
    return false;
  }
  const setfit_abi_stamp* stamp = library->get<AbiFn>(kAbiSymbol)();
  const setfit_abi_stamp& host = host_abi_stamp();
  if (stamp == nullptr || !same_stamp(*stamp, host)) {
    impl_->fail(file,
                fmt::format("ABI mismatch: the plugin was built against {}, but this setfit "
                            "uses {}; rebuild the plugin against this setfit's SDK",
                            stamp ? describe(*stamp) : "nothing (null stamp)", describe(host)));
    return false;
  }

  std::vector<std::string> missing;
  for (const char* symbol : {kInfoSymbol, kCreateSymbol}) {
    if (!library->has(symbol)) missing.emplace_back(symbol);
  }
  if (!missing.empty()) {
    impl_->fail(file, fmt::format("incomplete setfit plugin: missing entry point(s) {}",
                                  fmt::join(missing, ", ")));
    return false;
  }

  LoadedPlugin plugin;
  plugin.file = file;
  try {
    const PluginInfo* info = library->get<InfoFn>(kInfoSymbol)();
    if (info == nullptr) throw PluginLoadError("its info record is null");
    plugin.info = *info;
    if (plugin.info.name.empty()) throw PluginLoadError("its info record has no name");
    if (plugin.info.version.empty()) throw PluginLoadError("its info record has no version");
    check_schema(plugin.info);
  } catch (const std::exception& e) {
    impl_->fail(file, fmt::format("invalid plugin info: {}", e.what()));
    return false;
  }

  for (const auto& other : impl_->plugins) {
    if (other.info.kind == plugin.info.kind && other.info.name == plugin.info.name) {
      auto& claimants = impl_->duplicates[std::pair{plugin.info.kind, plugin.info.name}];
      if (claimants.empty()) claimants.push_back(other.file);
      claimants.push_back(file);
      impl_->fail(file,
                  fmt::format("duplicate {} plugin '{}': already provided by {}",
                              to_string(plugin.info.kind), plugin.info.name, other.file.string()));
      return false;
    }
  }

  log::debug("loaded {} plugin '{}' {} from {}", to_string(plugin.info.kind), plugin.info.name,
             plugin.info.version, file.string());
  impl_->entries.push_back({library, library->get<CreateFn>(kCreateSymbol)});
  impl_->plugins.push_back(std::move(plugin));
  return true;
}

const std::vector<LoadedPlugin>& PluginRegistry::plugins() const {
  return impl_->plugins;
}
const std::vector<PluginLoadFailure>& PluginRegistry::failures() const {
  return impl_->failures;
}

const LoadedPlugin& PluginRegistry::find(PluginKind kind, std::string_view name) const {
  return impl_->plugins[impl_->index_of(kind, name)];
}

std::shared_ptr<Loss> PluginRegistry::create_loss(std::string_view name,
                                                  const ParamMap& params) const {
  return impl_->create<Loss>(PluginKind::Loss, name, params);
}
std::shared_ptr<Head> PluginRegistry::create_head(std::string_view name,
                                                  const ParamMap& params) const {
  return impl_->create<Head>(PluginKind::Head, name, params);
}
std::shared_ptr<Sampler> PluginRegistry::create_sampler(std::string_view name,
                                                        const ParamMap& params) const {
  return impl_->create<Sampler>(PluginKind::Sampler, name, params);
}

}  // namespace setfit
