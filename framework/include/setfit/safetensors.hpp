#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "setfit/export.hpp"

namespace at {
class Tensor;
}

namespace setfit {

// One tensor's record in a safetensors header.
struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets relative to the start of the data section
  std::uint64_t end = 0;
};

// A memory-mapped safetensors file, validated in full when opened: header length
// within the file, JSON header, known dtypes, shapes that match their byte ranges,
// offsets inside the data section and not overlapping. Any violation throws
// setfit::Error naming the file, the tensor and the problem.
class SETFIT_API SafetensorsFile {
 public:
  static SafetensorsFile open(const std::filesystem::path& file);
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;

  const std::filesystem::path& path() const;
  const std::vector<SafetensorsEntry>& entries() const;  // in header order
  const std::map<std::string, std::string>& metadata() const;
  const SafetensorsEntry* find(std::string_view name) const;

  // A copy of the tensor; floating-point data (F16, BF16, F64) is converted to float32
  // when `to_float32` is set. Throws when the name is absent.
  at::Tensor load(std::string_view name, bool to_float32 = true) const;
  // Copies the tensor into `target`, whose shape must be the entry's (else setfit::Error
  // naming both shapes), converting its dtype. A contiguous CPU target of the entry's dtype
  // gets the bytes straight from the file, without an intermediate tensor: how bodies load.
  void load_into(std::string_view name, at::Tensor& target) const;
  // Like load_into, but a contiguous CPU target of the entry's dtype whose data is aligned in
  // the file is not copied: it is re-pointed at the file's pages, mapped copy-on-write (a
  // write to the tensor copies that page; the file never changes). Loading then touches no
  // fresh memory and processes share the pages; the mapping lives as long as any tensor
  // using it. The file must not be rewritten in place meanwhile (writers that rename a new
  // file into place, as write_safetensors does, are safe). Other targets are copied.
  void share_into(std::string_view name, at::Tensor& target) const;

 private:
  struct Impl;
  explicit SafetensorsFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Writes tensors (contiguous copies, little-endian) in name order with a space-padded
// header, to a temporary file renamed into place, so a crash never leaves half a file.
SETFIT_API void write_safetensors(const std::filesystem::path& file,
                                  const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata = {
                                      {"format", "pt"}});

}  // namespace setfit
