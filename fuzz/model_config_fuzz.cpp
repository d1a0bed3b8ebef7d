// Any config file of a model folder either reads into a checked config or throws
// setfit::Error naming the file. The first byte picks the reader (config.json of the
// transformer, modules.json, a Pooling or a Dense module's config.json); the rest is the
// file. A config that reads must also survive writing and reading back.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "body/module_list.hpp"
#include "body/pooling_config.hpp"
#include "body/transformer_config.hpp"
#include "core/json_file.hpp"
#include "setfit/errors.hpp"

namespace {

void read_transformer_config(const nlohmann::json& json) {
  using setfit::body::TransformerConfig;
  const auto config = TransformerConfig::from_json(json, "config.json");
  (void)config.minimum_parameters();
  const auto again = TransformerConfig::from_json(config.to_json(), "written config.json");
  if (again.to_json() != config.to_json()) std::abort();  // a written config must read back
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto json = setfit::detail::parse_json(text, "fuzz.json");
    switch (data[0] % 4) {
      case 0:
        read_transformer_config(json);
        break;
      case 1:
        (void)setfit::body::parse_modules(json, "modules.json");
        break;
      case 2: {
        const auto pooling = setfit::body::PoolingConfig::from_json(json, "1_Pooling/config.json");
        (void)setfit::body::PoolingConfig::from_json(pooling.to_json(), "written");
        break;
      }
      default: {
        const auto dense = setfit::body::DenseConfig::from_json(json, "2_Dense/config.json");
        (void)setfit::body::DenseConfig::from_json(dense.to_json(), "written");
      }
    }
  } catch (const setfit::Error&) {
  }
  return 0;
}
