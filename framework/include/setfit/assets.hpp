#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "setfit/export.hpp"

// The default model and data sets, built on demand from npm packages into a cache.
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

// Builds a static word-embedding model folder (sentence-transformers WordEmbeddings +
// mean Pooling) from a wink-embeddings JSON file, keeping the `vocab_size` most frequent
// words plus a zero padding row. Exposed for tests.
SETFIT_API void build_wink_embeddings_model(const std::filesystem::path& json_file,
                                            const std::filesystem::path& out_dir,
                                            std::int64_t vocab_size);

// Builds train.jsonl and test.jsonl ({"text", "label", "label_text"}; 0 ham, 1 spam) from
// the SpamAssassin package's data/ folder: mail_to_text, messages under 3 words and exact
// duplicates dropped, a stratified split with `seed`. Exposed for tests.
SETFIT_API void build_spamassassin_dataset(const std::filesystem::path& data_dir,
                                           const std::filesystem::path& out_dir, std::uint64_t seed,
                                           double test_fraction = 0.2);

// The text of a raw RFC 822 message for classification: "Subject: <decoded subject> "
// then every non-attachment text/plain part (stray HTML tags removed) and text/html part
// (or HTML-looking plain part) as text without tags, scripts or styles, entities
// decoded; whitespace collapsed; cut to `max_characters` code points.
SETFIT_API std::string mail_to_text(std::string_view raw, std::size_t max_characters);

// "sha512-<base64>" of a file, the npm integrity format.
SETFIT_API std::string sha512_integrity(const std::filesystem::path& file);

}  // namespace setfit::assets
