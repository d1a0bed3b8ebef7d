#pragma once

// A Pooling module's config.json, read and checked without LibTorch.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace setfit::body {

// sentence-transformers' Pooling: the enabled modes, concatenated in this order.
struct PoolingConfig {
  std::int64_t word_embedding_dimension = 0;
  bool cls = false;
  bool max = false;
  bool mean = true;
  bool mean_sqrt_len = false;
  bool weighted_mean = false;
  bool last_token = false;

  static PoolingConfig from_json(const nlohmann::json& json, const std::string& origin);
  nlohmann::json to_json() const;
  std::vector<std::string> mode_names() const;
  std::int64_t output_dimension() const;
};

}  // namespace setfit::body
