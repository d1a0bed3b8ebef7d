#include "output_dir.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit::detail {

void check_output_dir(const TrainingArguments& args) {
  if (args.save_strategy == "no") return;
  std::error_code ec;
  const fs::path dir = fs::absolute(args.output_dir, ec);
  for (fs::path at = dir; !at.empty(); at = at.parent_path()) {
    if (!fs::exists(at, ec)) {
      if (at == at.parent_path()) break;
      continue;
    }
    if (!fs::is_directory(at, ec)) {
      throw Error(fmt::format("key 'output_dir': checkpoints cannot go to {}: {} is a file",
                              args.output_dir, at.string()));
    }
    return;
  }
}

}  // namespace setfit::detail
