#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace setfit::test {

inline std::filesystem::path golden_dir(const std::string& model) {
  return std::filesystem::path(SETFIT_TEST_DATA_DIR) / "golden" / model;
}

// A writable copy of golden model folder `model` in `parent` (the checked-in files may be
// read-only).
inline std::filesystem::path copy_golden(const std::filesystem::path& parent,
                                         const std::string& model) {
  const std::filesystem::path target = parent / model;
  std::filesystem::copy(golden_dir(model), target, std::filesystem::copy_options::recursive);
  for (auto& entry : std::filesystem::recursive_directory_iterator(target)) {
    std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }
  std::filesystem::permissions(target, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  return target;
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

#include <torch/torch.h>

namespace setfit::test {

// A nested JSON array of numbers as a tensor of `dtype`.
inline torch::Tensor json_tensor(const nlohmann::json& value, torch::ScalarType dtype) {
  std::vector<std::int64_t> shape;
  const nlohmann::json* level = &value;
  while (level->is_array()) {
    shape.push_back(static_cast<std::int64_t>(level->size()));
    if (level->empty()) break;
    level = &(*level)[0];
  }
  std::vector<double> flat;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& v) {
    if (v.is_array()) {
      for (const auto& x : v) walk(x);
    } else {
      flat.push_back(v.get<double>());
    }
  };
  walk(value);
  return torch::tensor(flat, torch::kFloat64).view(shape).to(dtype);
}

}  // namespace setfit::test
