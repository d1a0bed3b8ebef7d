#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace setfit::assets {

// Runs a program (looked up on PATH, no shell) with stdout and stderr captured to
// files; returns the exit status (128 + signal when killed).
int run_program(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                const std::filesystem::path& stderr_file);

}  // namespace setfit::assets
