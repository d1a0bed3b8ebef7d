#include "elf_section.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "setfit/errors.hpp"

namespace setfit::detail {
namespace {

class ElfReader {
 public:
  explicit ElfReader(const std::filesystem::path& file) : file_(file), in_(file, std::ios::binary) {
    if (!in_) fail("cannot be read");
    in_.seekg(0, std::ios::end);
    size_ = static_cast<std::uint64_t>(in_.tellg());
  }

  template <typename T>
  T read_at(std::uint64_t offset) {
    T value{};
    read_bytes(offset, sizeof(T), reinterpret_cast<char*>(&value));
    return value;
  }

  std::string read_string(std::uint64_t offset, std::uint64_t size) {
    std::string bytes(static_cast<std::size_t>(size), '\0');
    read_bytes(offset, size, bytes.data());
    return bytes;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("{}: not a 64-bit ELF shared library: {}", file_.string(), what));
  }

 private:
  void read_bytes(std::uint64_t offset, std::uint64_t size, char* out) {
    if (offset > size_ || size > size_ - offset)
      fail(fmt::format("{} bytes at offset {} lie past its end", size, offset));
    in_.seekg(static_cast<std::streamoff>(offset));
    if (!in_.read(out, static_cast<std::streamsize>(size))) fail("read failed");
  }

  std::filesystem::path file_;
  std::ifstream in_;
  std::uint64_t size_ = 0;
};

}  // namespace

std::optional<std::string> read_elf_section(const std::filesystem::path& file,
                                            std::string_view name, std::size_t max_size) {
  ElfReader elf(file);
  const auto header = elf.read_at<Elf64_Ehdr>(0);
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) elf.fail("no ELF magic number");
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB)
    elf.fail("not 64-bit little-endian");
  if (header.e_shnum == 0) return std::nullopt;
  if (header.e_shentsize != sizeof(Elf64_Shdr))
    elf.fail(fmt::format("section header size {}", header.e_shentsize));
  if (header.e_shstrndx >= header.e_shnum) elf.fail("section name table index out of range");
  // The section headers are read one by one; check once that all of them lie in the file.
  elf.read_string(header.e_shoff, std::uint64_t{header.e_shnum} * sizeof(Elf64_Shdr));
  const auto section = [&](std::size_t index) {
    return elf.read_at<Elf64_Shdr>(header.e_shoff + index * sizeof(Elf64_Shdr));
  };
  // Section names: bounded, since a name table larger than this is no plugin of ours.
  const Elf64_Shdr names = section(header.e_shstrndx);
  if (names.sh_size > (1u << 20)) elf.fail("section name table over 1 MiB");
  const std::string table = elf.read_string(names.sh_offset, names.sh_size);
  for (std::size_t i = 0; i < header.e_shnum; ++i) {
    const Elf64_Shdr candidate = section(i);
    if (candidate.sh_name >= table.size()) continue;
    const char* start = table.data() + candidate.sh_name;
    const std::size_t length = strnlen(start, table.size() - candidate.sh_name);
    if (std::string_view(start, length) != name) continue;
    if (candidate.sh_size > max_size) {
      elf.fail(fmt::format("section {} holds {} bytes, more than {}", name, candidate.sh_size,
                           max_size));
    }
    return elf.read_string(candidate.sh_offset, candidate.sh_size);
  }
  return std::nullopt;
}

}  // namespace setfit::detail
