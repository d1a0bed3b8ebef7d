#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "setfit/export.hpp"
#include "setfit/training_args.hpp"

namespace setfit::detail {

// Applies one TOML table of training arguments (used by config and sweep readers, which
// parse the whole file once). Errors name origin:line:column, the table and the key.
SETFIT_API void apply_toml_args(TrainingArguments& args, const toml::table& table,
                                const std::string& origin, std::string_view table_name);

}  // namespace setfit::detail
