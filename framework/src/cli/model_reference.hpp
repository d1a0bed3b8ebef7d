#pragma once

#include <filesystem>
#include <string>

#include "command.hpp"

namespace setfit::cli {

// A model argument: an existing folder, or the name of a fetched model in the cache.
// Throws setfit::Error saying what was looked for and how to fetch it.
std::filesystem::path resolve_model(const std::string& reference, const GlobalOptions& global);

}  // namespace setfit::cli
