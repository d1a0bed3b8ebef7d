#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "setfit/export.hpp"
#include "setfit/training_args.hpp"

namespace setfit::detail {

// "origin:line:column" of a node. Values put into a document by code (`--set`, a sweep's
// grid) have no position in any file; they are named by `placed_label` instead.
SETFIT_API std::string toml_position(const std::string& origin, const toml::node& node,
                                     const std::string& placed_label = "--set");

// Applies one TOML table of training arguments (used by config and sweep readers, which
// parse the whole file once). Errors name origin:line:column, the table and the key, or
// `placed_label` for values without a position.
SETFIT_API void apply_toml_args(TrainingArguments& args, const toml::table& table,
                                const std::string& origin, std::string_view table_name,
                                const std::string& placed_label = "--set");

}  // namespace setfit::detail
