#pragma once

#include <cstddef>
#include <filesystem>

namespace setfit::detail {

// DIR/tasks/task-INDEX.json: the runs of one task of a manifest.
std::filesystem::path manifest_task_file(const std::filesystem::path& dir, std::size_t index);

}  // namespace setfit::detail
