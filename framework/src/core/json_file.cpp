#include "json_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "atomic_file.hpp"
#include "setfit/errors.hpp"
#include "setfit/text.hpp"

namespace setfit::detail {
namespace {

const nlohmann::json* find_key(const nlohmann::json& object, std::string_view key,
                               const std::string& origin) {
  if (!object.is_object()) throw Error(fmt::format("{}: expected a JSON object", origin));
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(std::string_view key, const char* expected,
                             const nlohmann::json& value, const std::string& origin) {
  throw Error(fmt::format("{}: key '{}' must be {}, got {}", origin, key, expected,
                          value.dump().substr(0, 80)));
}

}  // namespace

std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
      throw Error(fmt::format("{}: no such file", file.string()));
    throw Error(fmt::format("{}: cannot be opened for reading", file.string()));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_json_file(const std::filesystem::path& file, const nlohmann::json& json, int indent) {
  write_file_atomically(file, json.dump(indent) + "\n");
}

nlohmann::json parse_json(std::string_view text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message carries the byte position and what it expected (a syntax error,
    // or a number too large for a double: out_of_range 406).
    throw Error(fmt::format("{}: malformed JSON: {}", origin, printable_bytes(e.what())));
  }
}

nlohmann::json read_json_file(const std::filesystem::path& file) {
  return parse_json(read_text_file(file), file.string());
}

std::int64_t json_int(const nlohmann::json& object, std::string_view key,
                      const std::string& origin) {
  const auto* value = find_key(object, key, origin);
  if (value == nullptr) throw Error(fmt::format("{}: missing key '{}'", origin, key));
  if (!value->is_number_integer()) wrong_type(key, "an integer", *value, origin);
  return value->get<std::int64_t>();
}

std::int64_t json_int_or(const nlohmann::json& object, std::string_view key, std::int64_t fallback,
                         const std::string& origin) {
  const auto* value = find_key(object, key, origin);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer()) wrong_type(key, "an integer", *value, origin);
  return value->get<std::int64_t>();
}

double json_float_or(const nlohmann::json& object, std::string_view key, double fallback,
                     const std::string& origin) {
  const auto* value = find_key(object, key, origin);
  if (value == nullptr) return fallback;
  if (!value->is_number()) wrong_type(key, "a number", *value, origin);
  return value->get<double>();
}

bool json_bool_or(const nlohmann::json& object, std::string_view key, bool fallback,
                  const std::string& origin) {
  const auto* value = find_key(object, key, origin);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) wrong_type(key, "true or false", *value, origin);
  return value->get<bool>();
}

std::string json_string(const nlohmann::json& object, std::string_view key,
                        const std::string& origin) {
  const auto* value = find_key(object, key, origin);
  if (value == nullptr) throw Error(fmt::format("{}: missing key '{}'", origin, key));
  if (!value->is_string()) wrong_type(key, "a string", *value, origin);
  return value->get<std::string>();
}

std::string json_string_or(const nlohmann::json& object, std::string_view key,
                           std::string_view fallback, const std::string& origin) {
  const auto* value = find_key(object, key, origin);
  if (value == nullptr) return std::string(fallback);
  if (!value->is_string()) wrong_type(key, "a string", *value, origin);
  return value->get<std::string>();
}

}  // namespace setfit::detail
