#include "model_reference.hpp"

#include <fmt/format.h>

#include "setfit/assets.hpp"
#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit::cli {

fs::path resolve_model(const std::string& reference, const GlobalOptions& global) {
  std::error_code ec;
  if (fs::is_directory(reference, ec)) return reference;
  if (const auto* asset = assets::find_asset(reference); asset && asset->kind == "model") {
    // Fetched on demand; later calls reuse the cache.
    if (auto dir = assets::cached(reference, global.cache_dir); !dir.empty()) return dir;
    assets::FetchOptions options;
    options.cache_dir = global.cache_dir;
    return assets::fetch(reference, options);
  }
  std::vector<std::string> names;
  for (const auto& a : assets::known_assets()) {
    if (a.kind == "model") names.push_back(a.name);
  }
  throw Error(fmt::format("model '{}' is neither a folder nor a known model name ({})", reference,
                          fmt::join(names, ", ")));
}

}  // namespace setfit::cli
