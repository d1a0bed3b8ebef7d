#include "model_reference.hpp"

#include "setfit/assets.hpp"

namespace setfit::cli {

std::filesystem::path resolve_model(const std::string& reference, const GlobalOptions& global) {
  return assets::asset_inputs(global.cache_dir)->model(reference);
}

}  // namespace setfit::cli
