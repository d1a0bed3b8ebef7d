#pragma once

#include <filesystem>
#include <string_view>

namespace setfit::detail {

// Writes `text` beside `file` and renames it into place, so a crash or a reader never sees
// half a file. Throws setfit::Error naming the file when it cannot.
void write_file_atomically(const std::filesystem::path& file, std::string_view text);

}  // namespace setfit::detail
