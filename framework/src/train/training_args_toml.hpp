#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "setfit/export.hpp"
#include "setfit/training_args.hpp"

namespace setfit::detail {

// Applies one TOML table of training arguments (used by config and sweep readers, which
// parse the whole file once). Errors name origin:line:column, the table and the key.
// Values put into a config by code (`--set`, a sweep's grid) have no position in any file;
// errors about them name them by this label instead ("--set" unless a scope says otherwise).
SETFIT_API const std::string& placed_value_label();
class SETFIT_API PlacedValueLabel {
 public:
  explicit PlacedValueLabel(std::string label);
  ~PlacedValueLabel();
  PlacedValueLabel(const PlacedValueLabel&) = delete;
  PlacedValueLabel& operator=(const PlacedValueLabel&) = delete;

 private:
  std::string previous_;
};

// "origin:line:column" of a node, or the placed-value label for a node without a position.
SETFIT_API std::string toml_position(const std::string& origin, const toml::node& node);

SETFIT_API void apply_toml_args(TrainingArguments& args, const toml::table& table,
                                const std::string& origin, std::string_view table_name);

}  // namespace setfit::detail
