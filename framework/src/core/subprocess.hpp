#pragma once

// Other programs, started by fork/exec (no shell): npm and tar for assets, the Slurm
// command-line tools for cluster sweeps.

#include <filesystem>
#include <string>
#include <vector>

#include "setfit/export.hpp"

namespace setfit::detail {

// Runs a program (looked up on PATH, no shell) with stdout and stderr captured to
// files; returns the exit status (128 + signal when killed). Throws setfit::Error when the
// program cannot be started.
SETFIT_API int run_program(const std::vector<std::string>& argv,
                           const std::filesystem::path& stdout_file,
                           const std::filesystem::path& stderr_file);

struct ProgramOutput {
  int exit_code = 0;  // 128 + signal when killed
  std::string out, err;
};
// Runs a program and returns what it printed. A program not on PATH is a setfit::Error that
// names it, `missing_hint` appended (what to install).
SETFIT_API ProgramOutput capture_program(const std::vector<std::string>& argv,
                                         const std::string& missing_hint = "");

}  // namespace setfit::detail
