// `setfit plugins list [--json]` and `setfit plugins check FILE [--json]`.

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"

namespace po = boost::program_options;

namespace setfit::cli {
namespace {

nlohmann::json to_json(const ParamValue& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

// The config table a plugin's parameters are set in: [model] head_params, ...
std::string params_table(PluginKind kind) {
  return fmt::format("model.{}_params", to_string(kind));
}

nlohmann::json to_json(const LoadedPlugin& plugin) {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& spec : plugin.info.params) {
    params.push_back({{"name", spec.name},
                      {"type", std::string(to_string(spec.type))},
                      {"default", to_json(spec.default_value)},
                      {"description", spec.description},
                      {"config_key", params_table(plugin.info.kind) + "." + spec.name}});
  }
  return {{"name", plugin.info.name},
          {"kind", std::string(to_string(plugin.info.kind))},
          {"version", plugin.info.version},
          {"file", plugin.file.string()},
          {"description", plugin.info.description},
          {"parameters", params}};
}

nlohmann::json to_json(const std::vector<PluginLoadFailure>& failures) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : failures) out.push_back({{"file", f.file.string()}, {"reason", f.reason}});
  return out;
}

void print_plugin(const LoadedPlugin& plugin) {
  fmt::print("{:<8} {}  {}\n", to_string(plugin.info.kind), plugin.info.name, plugin.info.version);
  fmt::print("         {}\n", plugin.info.description);
  fmt::print("         file: {}\n", plugin.file.string());
  if (plugin.info.params.empty()) {
    fmt::print("         parameters: none\n");
    return;
  }
  fmt::print("         parameters (set in [model] {}_params):\n", to_string(plugin.info.kind));
  for (const auto& spec : plugin.info.params) {
    fmt::print("           {:<16} {:<6} = {:<10} {}\n", spec.name, to_string(spec.type),
               format_value(spec.default_value), spec.description);
  }
}

void print_failures(const std::vector<PluginLoadFailure>& failures) {
  if (failures.empty()) return;
  fmt::print("\nLoad failures ({}):\n", failures.size());
  for (const auto& f : failures) fmt::print("  {}\n    {}\n", f.file.string(), f.reason);
}

int list(const GlobalOptions& global, bool json) {
  PluginRegistry registry;
  auto dirs = PluginRegistry::search_path(global.plugin_dirs);
  registry.load_directories(dirs);

  // Stable order for people and scripts: by kind, then name.
  std::vector<LoadedPlugin> plugins = registry.plugins();
  std::sort(plugins.begin(), plugins.end(), [](const LoadedPlugin& a, const LoadedPlugin& b) {
    return std::tie(a.info.kind, a.info.name) < std::tie(b.info.kind, b.info.name);
  });

  if (json) {
    nlohmann::json out;
    out["search_path"] = nlohmann::json::array();
    for (const auto& d : dirs) out["search_path"].push_back(d.string());
    out["plugins"] = nlohmann::json::array();
    for (const auto& p : plugins) out["plugins"].push_back(to_json(p));
    out["failures"] = to_json(registry.failures());
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  std::vector<std::string> dir_names;
  for (const auto& d : dirs) dir_names.push_back(d.string());
  fmt::print("Search path: {}\n\n", fmt::join(dir_names, ":"));
  for (const auto& p : plugins) print_plugin(p);
  if (plugins.empty()) fmt::print("No plugins found.\n");
  print_failures(registry.failures());
  return kExitOk;
}

int check(const std::string& file, bool json) {
  PluginRegistry registry;
  const bool ok = registry.load_file(file);
  if (json) {
    nlohmann::json out = {{"file", file}, {"ok", ok}};
    if (ok)
      out["plugin"] = to_json(registry.plugins().front());
    else
      out["reason"] = registry.failures().front().reason;
    fmt::print("{}\n", out.dump(2));
  } else if (ok) {
    fmt::print("ok: ");
    print_plugin(registry.plugins().front());
  } else {
    fmt::print("refused: {}\n  {}\n", file, registry.failures().front().reason);
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace

int run_plugins(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit plugins'");
  options.add_options()("help,h", "Show this help")("json", "Print JSON instead of text");
  const auto vm = parse_verb_arguments("plugins", args, options, {"action", "file"});
  if (vm.count("help")) {
    std::cout << "Usage:\n"
                 "  setfit plugins list [--json]        every plugin found, with its parameters,\n"
                 "                                      and the files that failed to load\n"
                 "  setfit plugins check FILE [--json]  load one plugin file and report\n\n"
              << options << "\n"
              << global_options_description();
    return kExitOk;
  }
  const bool json = vm.count("json") > 0;
  const std::string action = vm.count("action") ? vm["action"].as<std::string>() : "";
  if (action == "list") {
    if (vm.count("file")) {
      throw UsageError("setfit plugins list takes no file; did you mean 'setfit plugins check'?");
    }
    return list(global, json);
  }
  if (action == "check") {
    if (!vm.count("file")) throw UsageError("setfit plugins check needs a FILE to load");
    return check(vm["file"].as<std::string>(), json);
  }
  throw UsageError(
      action.empty()
          ? "setfit plugins needs an action: list or check; see 'setfit plugins --help'"
          : fmt::format("unknown action 'setfit plugins {}'; expected list or check", action));
}

}  // namespace setfit::cli
