#include "pooling_config.hpp"

#include <fmt/format.h>

#include "../core/json_file.hpp"
#include "setfit/errors.hpp"

namespace setfit::body {

PoolingConfig PoolingConfig::from_json(const nlohmann::json& json, const std::string& origin) {
  using namespace setfit::detail;
  PoolingConfig c;
  c.word_embedding_dimension = json_int(json, "word_embedding_dimension", origin);
  c.cls = json_bool_or(json, "pooling_mode_cls_token", false, origin);
  c.max = json_bool_or(json, "pooling_mode_max_tokens", false, origin);
  c.mean = json_bool_or(json, "pooling_mode_mean_tokens", false, origin);
  c.mean_sqrt_len = json_bool_or(json, "pooling_mode_mean_sqrt_len_tokens", false, origin);
  c.weighted_mean = json_bool_or(json, "pooling_mode_weightedmean_tokens", false, origin);
  c.last_token = json_bool_or(json, "pooling_mode_lasttoken", false, origin);
  if (c.mode_names().empty()) {
    throw Error(fmt::format("{}: no pooling mode is enabled (set one of pooling_mode_*)", origin));
  }
  if (c.word_embedding_dimension <= 0) {
    throw Error(fmt::format("{}: word_embedding_dimension must be positive", origin));
  }
  return c;
}

nlohmann::json PoolingConfig::to_json() const {
  nlohmann::json json = {{"word_embedding_dimension", word_embedding_dimension},
                         {"pooling_mode_cls_token", cls},
                         {"pooling_mode_mean_tokens", mean},
                         {"pooling_mode_max_tokens", max},
                         {"pooling_mode_mean_sqrt_len_tokens", mean_sqrt_len}};
  // sentence-transformers 2.2 refuses these keys (Pooling takes no such argument) even when
  // false; later versions default them to false. Written only when a model uses them.
  if (weighted_mean) json["pooling_mode_weightedmean_tokens"] = true;
  if (last_token) json["pooling_mode_lasttoken"] = true;
  return json;
}

std::vector<std::string> PoolingConfig::mode_names() const {
  std::vector<std::string> names;
  if (cls) names.push_back("cls");
  if (max) names.push_back("max");
  if (mean) names.push_back("mean");
  if (mean_sqrt_len) names.push_back("mean_sqrt_len");
  if (weighted_mean) names.push_back("weightedmean");
  if (last_token) names.push_back("lasttoken");
  return names;
}

std::int64_t PoolingConfig::output_dimension() const {
  return static_cast<std::int64_t>(mode_names().size()) * word_embedding_dimension;
}

}  // namespace setfit::body
