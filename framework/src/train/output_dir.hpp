#pragma once

#include "setfit/training_args.hpp"

namespace setfit::detail {

// With checkpoints on (save_strategy other than "no"), whether args.output_dir can hold them:
// a folder, or a path whose nearest existing ancestor is a folder. Throws setfit::Error
// naming the key otherwise, so that a run fails before training rather than at its first
// checkpoint.
void check_output_dir(const TrainingArguments& args);

}  // namespace setfit::detail
