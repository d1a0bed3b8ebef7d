#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "setfit/export.hpp"

namespace setfit {

enum class ParamType { Bool, Int, Float, String };

using ParamValue = std::variant<bool, std::int64_t, double, std::string>;

SETFIT_API std::string_view to_string(ParamType type);
SETFIT_API ParamType type_of(const ParamValue& value);
// TOML-like rendering: true, 3, 0.5, "text". The one value formatter: configs, records,
// run keys and messages all render values with these.
SETFIT_API std::string format_value(const ParamValue& value);
// A float in its shortest round-trip form, kept recognisable as a float: 1.0, 2e-05.
SETFIT_API std::string format_float(double value);

// One parameter a component accepts. The schema is the single source of truth for
// defaults, validation, `setfit plugins list` and what is recorded per run.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Float;
  ParamValue default_value = 0.0;
  std::string description;
};

using ParamSchema = std::vector<ParamSpec>;

// User-supplied values, keyed by parameter name, before validation.
using ParamMap = std::map<std::string, ParamValue, std::less<>>;

// Validated parameters handed to a component's constructor: every schema entry is
// present with the declared type (defaults filled in).
class SETFIT_API Params {
 public:
  Params() = default;
  // Checks `values` against `schema`: unknown keys and wrong types throw
  // ComponentConfigError naming `owner`; an int is accepted where a float is expected.
  static Params resolve(const ParamSchema& schema, const ParamMap& values, std::string_view owner);

  bool has(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  std::int64_t get_int(std::string_view name) const;
  double get_float(std::string_view name) const;
  const std::string& get_string(std::string_view name) const;
  // Whether the value came from the user rather than the schema default.
  bool is_user_set(std::string_view name) const;
  const ParamMap& values() const { return values_; }

 private:
  const ParamValue& at(std::string_view name, ParamType expected) const;

  ParamMap values_;
  std::vector<std::string> user_set_;
};

}  // namespace setfit
