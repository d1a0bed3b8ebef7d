// `setfit plugins list [--json]` and `setfit plugins check FILE [--json]`.

#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_conformance.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/plugin_scaffold.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

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

int check(const std::string& file, bool json, bool conformance) {
  PluginRegistry registry;
  const bool ok = registry.load_file(file);
  // The conformance checks of the plugin's kind, on the plugin as loaded.
  std::vector<ConformanceResult> results;
  if (ok && conformance) {
    const auto& plugin = registry.plugins().front();
    results = check_conformance(registry, plugin.info.kind, plugin.info.name);
  }
  const auto passed = static_cast<std::size_t>(std::count_if(
      results.begin(), results.end(), [](const ConformanceResult& r) { return r.passed; }));
  const bool conforms = passed == results.size();
  if (json) {
    nlohmann::json out = {{"file", file}, {"ok", ok && conforms}};
    if (ok)
      out["plugin"] = to_json(registry.plugins().front());
    else
      out["reason"] = registry.failures().front().reason;
    if (conformance && ok) {
      out["conformance"] = nlohmann::json::array();
      for (const auto& r : results)
        out["conformance"].push_back(
            {{"check", r.check}, {"passed", r.passed}, {"detail", r.detail}});
    }
    fmt::print("{}\n", out.dump(2));
  } else if (ok) {
    fmt::print("ok: ");
    print_plugin(registry.plugins().front());
    for (const auto& r : results) {
      if (r.passed)
        fmt::print("pass  {}\n", r.check);
      else
        fmt::print("FAIL  {}: {}\n", r.check, r.detail);
    }
    if (conformance) {
      fmt::print("{} of {} conformance checks passed\n", passed, results.size());
    }
  } else {
    fmt::print("refused: {}\n  {}\n", file, registry.failures().front().reason);
  }
  return ok && conforms ? kExitOk : kExitFailure;
}

}  // namespace

int run_plugins(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit plugins'");
  options.add_options()("help,h", "Show this help")("json", "Print JSON instead of text")(
      "conformance", "With check: also run the conformance checks of the plugin's kind");
  options.add_options()("dir", po::value<std::string>(),
                        "With new: the project folder (default: ./NAME in snake case)");
  const auto vm = parse_verb_arguments("plugins", args, options, {"action", "file", "name"});
  if (vm.count("help")) {
    std::cout << "Usage:\n"
                 "  setfit plugins list [--json]        every plugin found, with its parameters,\n"
                 "                                      and the files that failed to load\n"
                 "  setfit plugins check FILE [--json]  load one plugin file and report\n"
                 "      [--conformance]                 and run the checks every plugin of its\n"
                 "                                      kind must pass (a line per check)\n"
                 "  setfit plugins new loss|head|sampler NAME [--dir DIR]\n"
                 "                                      write a plugin project to start from\n\n"
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
  if (action == "new") {
    if (!vm.count("file") || !vm.count("name"))
      throw UsageError("setfit plugins new needs a kind (loss, head or sampler) and a NAME");
    const PluginKind kind = plugin_kind_from_string(vm["file"].as<std::string>());
    const std::string name = vm["name"].as<std::string>();
    const fs::path dir = vm.count("dir") ? fs::path(vm["dir"].as<std::string>())
                                         : fs::path(plugin_target_name(name));
    for (const auto& file : write_plugin_project(kind, name, dir))
      fmt::print("wrote {}\n", file.string());
    fmt::print(
        "next:\n  cmake -S {0} -B {0}/build -DCMAKE_PREFIX_PATH=<setfit install prefix>\n"
        "  cmake --build {0}/build && ctest --test-dir {0}/build --output-on-failure\n"
        "then see {0}/README.md to use it in a sweep\n",
        dir.string());
    return kExitOk;
  }
  if (action == "check") {
    if (vm.count("name")) throw UsageError("setfit plugins check takes one FILE");
    if (!vm.count("file")) throw UsageError("setfit plugins check needs a FILE to load");
    return check(vm["file"].as<std::string>(), json, vm.count("conformance") > 0);
  }
  throw UsageError(
      action.empty()
          ? "setfit plugins needs an action: list, check or new; see 'setfit plugins --help'"
          : fmt::format("unknown action 'setfit plugins {}'; expected list, check or new", action));
}

}  // namespace setfit::cli
