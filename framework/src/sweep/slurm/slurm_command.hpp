#pragma once

// Slurm's command-line tools, run by fork/exec (no shell); a missing tool says what to install.

#include <string>
#include <vector>

#include "../../core/subprocess.hpp"

namespace setfit::detail {

inline ProgramOutput run_slurm_command(const std::vector<std::string>& argv) {
  return capture_program(argv, "install Slurm's client tools (Debian: slurm-client)");
}

}  // namespace setfit::detail
