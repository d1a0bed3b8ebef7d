#include "paths.hpp"

namespace fs = std::filesystem;

namespace setfit::detail {

fs::path file_in_the_way(const fs::path& dir) {
  std::error_code ec;
  for (fs::path at = fs::absolute(dir, ec); !at.empty(); at = at.parent_path()) {
    if (fs::exists(at, ec)) return fs::is_directory(at, ec) ? fs::path() : at;
    if (at == at.parent_path()) break;  // the root, not there: nothing to report
  }
  return {};
}

}  // namespace setfit::detail
