#include "model_reference.hpp"

#include <fmt/format.h>

#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit::cli {

fs::path resolve_model(const std::string& reference, const GlobalOptions&) {
  std::error_code ec;
  if (fs::is_directory(reference, ec)) return reference;
  throw Error(
      fmt::format("model '{}' is not a folder; give the path of a sentence-transformers "
                  "model folder",
                  reference));
}

}  // namespace setfit::cli
