#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace setfit::test {

inline std::filesystem::path golden_dir(const std::string& model) {
  return std::filesystem::path(SETFIT_TEST_DATA_DIR) / "golden" / model;
}

// expected.json of a golden model (the Hugging Face reference outputs).
inline const nlohmann::json& golden_expected(const std::string& model) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(model);
  if (it == cache.end()) {
    std::ifstream in(golden_dir(model) / "expected.json");
    it = cache.emplace(model, nlohmann::json::parse(in)).first;
  }
  return it->second;
}

}  // namespace setfit::test
