#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace setfit::detail {

// The bytes of the named section of a 64-bit little-endian ELF file, read from the file
// without loading it; nullopt when there is no such section. Every offset and size in the
// file is checked against the file's size before it is used, and the section against
// `max_size`. Throws setfit::Error naming the file when it is not such an ELF file.
std::optional<std::string> read_elf_section(const std::filesystem::path& file,
                                            std::string_view name, std::size_t max_size);

}  // namespace setfit::detail
