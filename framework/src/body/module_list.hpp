#pragma once

// A sentence-transformers model folder's modules.json and its Dense modules' config.json,
// read and checked without LibTorch (so the readers can be fuzzed on their own).

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "setfit/export.hpp"

namespace setfit::body {

inline constexpr const char* kTransformerType = "sentence_transformers.models.Transformer";
inline constexpr const char* kPoolingType = "sentence_transformers.models.Pooling";
inline constexpr const char* kDenseType = "sentence_transformers.models.Dense";
inline constexpr const char* kNormalizeType = "sentence_transformers.models.Normalize";
inline constexpr const char* kWordEmbeddingsType = "sentence_transformers.models.WordEmbeddings";

struct ModuleEntry {
  std::string name;
  std::string path;  // relative to the model folder, never leaving it ("" is the folder)
  std::string type;
};

// The modules of `json` (modules.json's content); errors name `origin`.
SETFIT_API std::vector<ModuleEntry> parse_modules(const nlohmann::json& json,
                                                  const std::string& origin);
// `dir`/modules.json, or Transformer + mean pooling for a plain checkpoint without one.
std::vector<ModuleEntry> read_modules(const std::filesystem::path& dir);

// sentence-transformers' Dense: Linear(in_features, out_features) + activation.
struct DenseConfig {
  std::int64_t in_features = 0;
  std::int64_t out_features = 0;
  bool bias = true;
  std::string activation = "torch.nn.modules.activation.Tanh";

  SETFIT_API static DenseConfig from_json(const nlohmann::json& json, const std::string& origin);
  nlohmann::json to_json() const;
};

}  // namespace setfit::body
