#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "setfit/export.hpp"

// SHA-256 (libcrypto) as lower-case hex: run keys, spec fingerprints, file fingerprints.
namespace setfit::detail {

SETFIT_API std::string sha256_hex(std::string_view data);
// Of a file's bytes; throws setfit::Error naming the file when it cannot be read.
SETFIT_API std::string sha256_file(const std::filesystem::path& file);

}  // namespace setfit::detail
