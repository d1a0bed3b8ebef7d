// Any file either yields its .setfit_abi section (at most 256 bytes), says it has none, or
// throws setfit::Error: the plugin loader reads this before loading a library.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "plugins/elf_section.hpp"
#include "setfit/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string file = "/tmp/setfit-fuzz-elf-" + std::to_string(getpid()) + ".so";
  if (std::FILE* out = std::fopen(file.c_str(), "wb")) {
    std::fwrite(data, 1, size, out);
    std::fclose(out);
  }
  try {
    const auto section = setfit::detail::read_elf_section(file, ".setfit_abi", 256);
    if (section && section->size() > 256) __builtin_trap();
  } catch (const setfit::Error&) {
  }
  return 0;
}
