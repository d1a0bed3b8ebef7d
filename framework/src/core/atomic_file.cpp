#include "atomic_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include "setfit/errors.hpp"

namespace setfit::detail {

void write_file_atomically(const std::filesystem::path& file, std::string_view text) {
  // The process id keeps two writers of one file from sharing a partial file.
  auto partial = file;
  partial += fmt::format(".partial-{}", ::getpid());
  std::error_code error;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(partial, error);
      throw Error(fmt::format("{}: cannot be written", file.string()));
    }
  }
  std::filesystem::rename(partial, file, error);
  if (error) {
    const std::string reason = error.message();
    std::filesystem::remove(partial, error);
    throw Error(fmt::format("{}: cannot be written: {}", file.string(), reason));
  }
}

}  // namespace setfit::detail
