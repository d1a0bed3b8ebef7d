#include "module_list.hpp"

#include <fmt/format.h>

#include "../core/json_file.hpp"
#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit::body {
namespace {

// A module's folder must stay inside the model folder: a downloaded model must not make
// the loader read (or a save copy) files elsewhere.
void check_module_path(const std::string& path, const std::string& origin) {
  const fs::path p(path);
  bool escapes = p.is_absolute() || p.has_root_name() || p.has_root_directory();
  for (const auto& part : p) escapes = escapes || part == "..";
  if (escapes || path.find('\0') != std::string::npos) {
    throw Error(
        fmt::format("{}: module path '{}' must be a folder inside the model folder", origin, path));
  }
}

}  // namespace

std::vector<ModuleEntry> parse_modules(const nlohmann::json& json, const std::string& origin) {
  if (!json.is_array() || json.empty()) {
    throw Error(fmt::format("{}: expected a non-empty array of modules", origin));
  }
  std::vector<ModuleEntry> modules;
  for (const auto& item : json) {
    if (!item.is_object()) {
      throw Error(fmt::format("{}: module {} is not an object with \"type\" and \"path\"", origin,
                              modules.size()));
    }
    ModuleEntry entry;
    entry.name = detail::json_string_or(item, "name", "", origin);
    entry.path = detail::json_string_or(item, "path", "", origin);
    entry.type = detail::json_string(item, "type", origin);
    check_module_path(entry.path, origin);
    modules.push_back(std::move(entry));
  }
  return modules;
}

std::vector<ModuleEntry> read_modules(const fs::path& dir) {
  const fs::path file = dir / "modules.json";
  if (!fs::exists(file)) {
    // A plain Hugging Face checkpoint: Transformer + mean pooling.
    return {{"0", "", kTransformerType}, {"1", "", kPoolingType}};
  }
  return parse_modules(detail::read_json_file(file), file.string());
}

DenseConfig DenseConfig::from_json(const nlohmann::json& json, const std::string& origin) {
  DenseConfig dense;
  dense.in_features = detail::json_int(json, "in_features", origin);
  dense.out_features = detail::json_int(json, "out_features", origin);
  dense.bias = detail::json_bool_or(json, "bias", true, origin);
  dense.activation = detail::json_string_or(json, "activation_function", dense.activation, origin);
  if (dense.in_features <= 0 || dense.out_features <= 0) {
    throw Error(fmt::format("{}: in_features and out_features must be positive, got {} and {}",
                            origin, dense.in_features, dense.out_features));
  }
  return dense;
}

nlohmann::json DenseConfig::to_json() const {
  return {{"in_features", in_features},
          {"out_features", out_features},
          {"bias", bias},
          {"activation_function", activation}};
}

}  // namespace setfit::body
