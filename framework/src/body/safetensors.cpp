#include "setfit/safetensors.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <torch/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "safetensors_header.hpp"
#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

struct DtypeInfo {
  const char* name;
  std::size_t bytes;
  torch::ScalarType type;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", 8, torch::kFloat64},   {"F32", 4, torch::kFloat32}, {"F16", 2, torch::kFloat16},
    {"BF16", 2, torch::kBFloat16}, {"I64", 8, torch::kInt64},   {"I32", 4, torch::kInt32},
    {"I16", 2, torch::kInt16},     {"I8", 1, torch::kInt8},     {"U8", 1, torch::kUInt8},
    {"BOOL", 1, torch::kBool},
};

const DtypeInfo* dtype_by_name(std::string_view name) {
  for (const auto& d : kDtypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const DtypeInfo* dtype_by_type(torch::ScalarType type) {
  for (const auto& d : kDtypes) {
    if (d.type == type) return &d;
  }
  return nullptr;
}

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw Error(fmt::format("{}: invalid safetensors file: {}", file.string(), what));
}

// A private mapping of a whole file: read-only until share_into first makes it writable
// (copy-on-write: writes never reach the file).
struct Mapping {
  const std::uint8_t* data = nullptr;
  std::uint64_t size = 0;
  bool writable = false;

  // Makes the mapping writable, copy-on-write, once; false if the kernel refuses. The pages
  // are prefaulted read-only (the file is usually in the page cache) so that the first
  // forward pass does not fault them in one by one; a kernel without MADV_POPULATE_READ
  // faults them on use.
  bool allow_copy_on_write() {
    if (writable) return true;
    auto* start = const_cast<std::uint8_t*>(data);
    if (mprotect(start, size, PROT_READ | PROT_WRITE) != 0) return false;
    writable = true;
#ifdef MADV_POPULATE_READ
    madvise(start, size, MADV_POPULATE_READ);
#endif
    return true;
  }

  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (data != nullptr && size > 0) munmap(const_cast<std::uint8_t*>(data), size);
  }
};

}  // namespace

struct SafetensorsFile::Impl {
  fs::path path;
  std::shared_ptr<Mapping> mapping = std::make_shared<Mapping>();
  std::uint64_t data_start = 0;
  std::vector<SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata;
};

SafetensorsFile::SafetensorsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafetensorsFile::~SafetensorsFile() = default;
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;

const fs::path& SafetensorsFile::path() const {
  return impl_->path;
}
const std::vector<SafetensorsEntry>& SafetensorsFile::entries() const {
  return impl_->entries;
}
const std::map<std::string, std::string>& SafetensorsFile::metadata() const {
  return impl_->metadata;
}

const SafetensorsEntry* SafetensorsFile::find(std::string_view name) const {
  for (const auto& e : impl_->entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

SafetensorsFile SafetensorsFile::open(const fs::path& file) {
  auto impl = std::make_unique<Impl>();
  impl->path = file;

  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::error_code ec;
    if (!fs::exists(file, ec)) throw Error(fmt::format("{}: no such file", file.string()));
    throw Error(fmt::format("{}: cannot be opened: {}", file.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(fmt::format("{}: not a regular file", file.string()));
  }
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (file_size < 8) {
    ::close(fd);
    fail(file, fmt::format("{} bytes is too short for the 8-byte header length", file_size));
  }
  void* data = mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) {
    throw Error(fmt::format("{}: cannot be mapped: {}", file.string(), std::strerror(errno)));
  }
  impl->mapping->data = static_cast<const std::uint8_t*>(data);
  impl->mapping->size = file_size;

  auto header = parse_safetensors_header(impl->mapping->data, file_size, file.string());
  impl->data_start = header.data_start;
  impl->entries = std::move(header.entries);
  impl->metadata = std::move(header.metadata);
  return SafetensorsFile(std::move(impl));
}

at::Tensor SafetensorsFile::load(std::string_view name, bool to_float32) const {
  const SafetensorsEntry* entry = find(name);
  if (entry == nullptr) {
    throw Error(fmt::format("{}: no tensor named '{}'", impl_->path.string(), name));
  }
  const DtypeInfo* dtype = dtype_by_name(entry->dtype);
  auto tensor = torch::empty(entry->shape, torch::TensorOptions().dtype(dtype->type));
  // Copy out of the mapping: offsets need not be aligned, and the tensor must outlive it.
  if (entry->end > entry->begin) {
    std::memcpy(tensor.data_ptr(), impl_->mapping->data + impl_->data_start + entry->begin,
                entry->end - entry->begin);
  }
  if (to_float32 && tensor.is_floating_point() && tensor.scalar_type() != torch::kFloat32) {
    tensor = tensor.to(torch::kFloat32);
  }
  return tensor;
}

void SafetensorsFile::load_into(std::string_view name, at::Tensor& target) const {
  const SafetensorsEntry* entry = find(name);
  if (entry == nullptr) {
    throw Error(fmt::format("{}: no tensor named '{}'", impl_->path.string(), name));
  }
  if (target.sizes() != c10::IntArrayRef(entry->shape)) {
    throw Error(fmt::format("{}: tensor '{}' has shape [{}], expected [{}]", impl_->path.string(),
                            name, fmt::join(entry->shape, ", "), fmt::join(target.sizes(), ", ")));
  }
  const DtypeInfo* dtype = dtype_by_name(entry->dtype);
  if (target.device().is_cpu() && target.is_contiguous() && target.scalar_type() == dtype->type) {
    if (entry->end > entry->begin) {
      std::memcpy(target.data_ptr(), impl_->mapping->data + impl_->data_start + entry->begin,
                  entry->end - entry->begin);
    }
    return;
  }
  target.copy_(load(name, /*to_float32=*/false));
}

void SafetensorsFile::share_into(std::string_view name, at::Tensor& target) const {
  const SafetensorsEntry* entry = find(name);
  Mapping& mapping = *impl_->mapping;
  const DtypeInfo* dtype = entry != nullptr ? dtype_by_name(entry->dtype) : nullptr;
  auto* data = entry != nullptr
                   ? const_cast<std::uint8_t*>(mapping.data + impl_->data_start + entry->begin)
                   : nullptr;
  // Anything else (absent, misshapen: load_into names the problem; converted, misaligned,
  // empty, not on the CPU) is copied.
  const bool shareable = entry != nullptr && target.sizes() == c10::IntArrayRef(entry->shape) &&
                         target.device().is_cpu() && target.scalar_type() == dtype->type &&
                         reinterpret_cast<std::uintptr_t>(data) % dtype->bytes == 0 &&
                         entry->end > entry->begin;
  if (!shareable || !mapping.allow_copy_on_write()) {
    load_into(name, target);
    return;
  }
  auto keep_alive = impl_->mapping;
  target.set_(torch::from_blob(
      data, entry->shape, [keep_alive](void*) mutable { keep_alive.reset(); },
      torch::TensorOptions().dtype(dtype->type)));
}

void write_safetensors(const fs::path& file,
                       const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, at::Tensor>> sorted;
  for (const auto& [name, tensor] : tensors) {
    if (!dtype_by_type(tensor.scalar_type())) {
      throw Error(fmt::format("{}: cannot write tensor '{}' of type {}", file.string(), name,
                              c10::toString(tensor.scalar_type())));
    }
    sorted.emplace_back(name, tensor.detach().to(torch::kCPU).contiguous());
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].first == sorted[i - 1].first) {
      throw Error(
          fmt::format("{}: tensor name '{}' appears twice", file.string(), sorted[i].first));
    }
  }

  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : sorted) {
    const auto bytes = static_cast<std::uint64_t>(tensor.numel()) * tensor.element_size();
    header[name] = {{"dtype", dtype_by_type(tensor.scalar_type())->name},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  const fs::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(fmt::format("{}: cannot be written", temporary.string()));
    std::uint64_t length = header_text.size();
    char length_bytes[8];
    for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
    out.write(length_bytes, 8);
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    for (const auto& [name, tensor] : sorted) {
      out.write(static_cast<const char*>(tensor.data_ptr()),
                static_cast<std::streamsize>(tensor.numel() * tensor.element_size()));
    }
    out.flush();
    if (!out) throw Error(fmt::format("{}: write failed (disk full?)", temporary.string()));
  }
  fs::rename(temporary, file);
}

}  // namespace setfit
