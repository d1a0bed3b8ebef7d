#include "architecture.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "bert.hpp"
#include "distilbert.hpp"
#include "mpnet.hpp"
#include "setfit/errors.hpp"
#include "transformer_config.hpp"

namespace setfit::body {

std::int64_t positions_from_zero(const TransformerConfig&) {
  return 0;
}

std::int64_t positions_after_padding(const TransformerConfig& config) {
  return config.pad_token_id + 1;
}

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> table = {bert_architecture(), mpnet_architecture(),
                                                  distilbert_architecture(), roberta_architecture(),
                                                  xlm_roberta_architecture()};
  return table;
}

const Architecture& find_architecture(const std::string& model_type, const std::string& origin) {
  const auto& table = architectures();
  const auto found = std::find_if(table.begin(), table.end(), [&](const Architecture& a) {
    return a.model_type == model_type;
  });
  if (found != table.end()) return *found;
  std::vector<std::string> supported;
  for (const auto& a : table) supported.push_back(fmt::format("{} ({})", a.model_type, a.aliases));
  throw Error(fmt::format("{}: model_type '{}' is not supported; supported: {}", origin, model_type,
                          fmt::join(supported, ", ")));
}

}  // namespace setfit::body
