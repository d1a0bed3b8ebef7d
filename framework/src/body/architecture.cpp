#include "architecture.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "bert.hpp"
#include "mpnet.hpp"
#include "setfit/errors.hpp"

namespace setfit::body {

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> table = {bert_architecture(), mpnet_architecture()};
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
