#pragma once

#include <filesystem>

namespace setfit::detail {

// What stops `dir` from being used or created as a folder: the path itself or its nearest
// existing ancestor, when that is not a folder. Empty when nothing does.
std::filesystem::path file_in_the_way(const std::filesystem::path& dir);

}  // namespace setfit::detail
