#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "setfit/export.hpp"

// Reading JSON files with errors that name the file, the position and the key.
namespace setfit::detail {

// Parses a whole file; throws setfit::Error "<file>: ..." when it is missing or malformed.
SETFIT_API nlohmann::json read_json_file(const std::filesystem::path& file);
// Parses text; `origin` names where it came from in error messages.
SETFIT_API nlohmann::json parse_json(std::string_view text, const std::string& origin);

// Typed access: throws setfit::Error "<origin>: key '<key>' ..." when absent or mistyped.
SETFIT_API std::int64_t json_int(const nlohmann::json& object, std::string_view key,
                                 const std::string& origin);
SETFIT_API std::int64_t json_int_or(const nlohmann::json& object, std::string_view key,
                                    std::int64_t fallback, const std::string& origin);
SETFIT_API double json_float_or(const nlohmann::json& object, std::string_view key, double fallback,
                                const std::string& origin);
SETFIT_API bool json_bool_or(const nlohmann::json& object, std::string_view key, bool fallback,
                             const std::string& origin);
SETFIT_API std::string json_string(const nlohmann::json& object, std::string_view key,
                                   const std::string& origin);
SETFIT_API std::string json_string_or(const nlohmann::json& object, std::string_view key,
                                      std::string_view fallback, const std::string& origin);

SETFIT_API std::string read_text_file(const std::filesystem::path& file);
// Writes `json` indented; throws setfit::Error naming the file when it cannot.
SETFIT_API void write_json_file(const std::filesystem::path& file, const nlohmann::json& json,
                                int indent = 2);  // -1: one line, no spaces

}  // namespace setfit::detail
