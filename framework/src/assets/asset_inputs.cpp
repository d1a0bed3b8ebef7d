#include <fmt/format.h>
#include <fmt/ranges.h>

#include "setfit/assets.hpp"
#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit::assets {
namespace {

const AssetInfo* asset_of_kind(const std::string& name, const std::string& kind) {
  const auto* asset = find_asset(name);
  return asset && asset->kind == kind ? asset : nullptr;
}

std::string names_of_kind(const std::string& kind) {
  std::vector<std::string> names;
  for (const auto& a : known_assets()) {
    if (a.kind == kind) names.push_back(a.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

class AssetInputs final : public NamedInputs {
 public:
  explicit AssetInputs(fs::path cache) : cache_(std::move(cache)) {}

  bool is_dataset(const std::string& name) const override {
    return asset_of_kind(name, "dataset") != nullptr;
  }
  bool is_model(const std::string& name) const override {
    return asset_of_kind(name, "model") != nullptr;
  }
  fs::path dataset(const std::string& name, bool fetch_it) const override {
    if (!is_dataset(name)) NamedInputs::dataset(name, fetch_it);
    if (!fetch_it) return cache_dir(cache_) / "datasets" / name;
    FetchOptions options;
    options.cache_dir = cache_;
    return fetch(name, options);
  }
  fs::path model(const std::string& reference) const override {
    std::error_code ec;
    if (fs::is_directory(reference, ec)) return reference;
    if (is_model(reference)) {
      // Fetched on demand; later calls reuse the cache.
      if (auto dir = cached(reference, cache_); !dir.empty()) return dir;
      FetchOptions options;
      options.cache_dir = cache_;
      return fetch(reference, options);
    }
    throw Error(fmt::format("model '{}' is neither a folder nor a known model name ({})", reference,
                            names_of_kind("model")));
  }
  std::string describe_datasets() const override { return names_of_kind("dataset"); }

 private:
  fs::path cache_;
};

}  // namespace

std::unique_ptr<NamedInputs> asset_inputs(const fs::path& cache_dir) {
  return std::make_unique<AssetInputs>(cache_dir);
}

}  // namespace setfit::assets
