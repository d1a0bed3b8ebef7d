#include "setfit/params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "nearest_name.hpp"
#include "setfit/errors.hpp"

namespace setfit {

std::string_view to_string(ParamType type) {
  switch (type) {
    case ParamType::Bool:
      return "bool";
    case ParamType::Int:
      return "int";
    case ParamType::Float:
      return "float";
    case ParamType::String:
      return "string";
  }
  return "?";
}

ParamType type_of(const ParamValue& value) {
  return static_cast<ParamType>(value.index());
}

std::string format_float(double value) {
  std::string text = fmt::format("{}", value);
  // Keep floats recognisable as floats: 1.0, not 1.
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

std::string format_value(const ParamValue& value) {
  switch (type_of(value)) {
    case ParamType::Bool:
      return std::get<bool>(value) ? "true" : "false";
    case ParamType::Int:
      return fmt::format("{}", std::get<std::int64_t>(value));
    case ParamType::Float:
      return format_float(std::get<double>(value));
    case ParamType::String:
      return fmt::format("\"{}\"", std::get<std::string>(value));
  }
  return "?";
}

Params Params::resolve(const ParamSchema& schema, const ParamMap& values, std::string_view owner) {
  for (const auto& entry : values) {
    // Not a structured binding: clang 14 (the fuzzers' compiler) cannot capture one.
    const std::string& key = entry.first;
    const ParamValue& value = entry.second;
    auto spec = std::find_if(schema.begin(), schema.end(),
                             [&](const ParamSpec& s) { return s.name == key; });
    if (spec == schema.end()) {
      std::vector<std::string> known;
      for (const auto& s : schema) known.push_back(s.name);
      throw ComponentConfigError(
          fmt::format("{} has no parameter '{}'{}; it accepts: {}", owner, key,
                      detail::did_you_mean(key, known),
                      known.empty() ? std::string("no parameters")
                                    : fmt::format("{}", fmt::join(known, ", "))),
          key);
    }
    if (type_of(value) == ParamType::Float && !std::isfinite(std::get<double>(value))) {
      throw ComponentConfigError(fmt::format("{}: parameter '{}' must be a finite number, got {}",
                                             owner, key, format_value(value)),
                                 key);
    }
    const bool int_for_float = spec->type == ParamType::Float && type_of(value) == ParamType::Int;
    if (type_of(value) != spec->type && !int_for_float) {
      throw ComponentConfigError(
          fmt::format("{}: parameter '{}' expects {}, got {} ({})", owner, key,
                      to_string(spec->type), to_string(type_of(value)), format_value(value)),
          key);
    }
  }

  Params params;
  for (const auto& spec : schema) {
    auto given = values.find(spec.name);
    if (given == values.end()) {
      params.values_.emplace(spec.name, spec.default_value);
      continue;
    }
    params.user_set_.push_back(spec.name);
    if (spec.type == ParamType::Float && type_of(given->second) == ParamType::Int) {
      params.values_.emplace(spec.name, static_cast<double>(std::get<std::int64_t>(given->second)));
    } else {
      params.values_.emplace(spec.name, given->second);
    }
  }
  return params;
}

bool Params::has(std::string_view name) const {
  return values_.find(name) != values_.end();
}

const ParamValue& Params::at(std::string_view name, ParamType expected) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    throw ComponentConfigError(fmt::format("parameter '{}' is not in the schema", name));
  }
  if (type_of(it->second) != expected) {
    throw ComponentConfigError(fmt::format("parameter '{}' is a {}, read as a {}", name,
                                           to_string(type_of(it->second)), to_string(expected)));
  }
  return it->second;
}

bool Params::get_bool(std::string_view name) const {
  return std::get<bool>(at(name, ParamType::Bool));
}
std::int64_t Params::get_int(std::string_view name) const {
  return std::get<std::int64_t>(at(name, ParamType::Int));
}
double Params::get_float(std::string_view name) const {
  return std::get<double>(at(name, ParamType::Float));
}
const std::string& Params::get_string(std::string_view name) const {
  return std::get<std::string>(at(name, ParamType::String));
}

bool Params::is_user_set(std::string_view name) const {
  return std::find(user_set_.begin(), user_set_.end(), name) != user_set_.end();
}

}  // namespace setfit
