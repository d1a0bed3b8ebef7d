#include "output_dir.hpp"

#include <fmt/format.h>

#include "../core/paths.hpp"
#include "setfit/errors.hpp"

namespace setfit::detail {

void check_output_dir(const TrainingArguments& args) {
  if (args.save_strategy == "no") return;
  if (const auto file = file_in_the_way(args.output_dir); !file.empty()) {
    throw Error(fmt::format("key 'output_dir': checkpoints cannot go to {}: {} is a file",
                            args.output_dir, file.string()));
  }
}

}  // namespace setfit::detail
