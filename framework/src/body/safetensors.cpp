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

#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

// The safetensors reference refuses headers above 100 MB; so do we, before allocating.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

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

// Read-only mapping of a whole file.
struct Mapping {
  const std::uint8_t* data = nullptr;
  std::uint64_t size = 0;

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
  Mapping mapping;
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
  impl->mapping.data = static_cast<const std::uint8_t*>(data);
  impl->mapping.size = file_size;

  std::uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | impl->mapping.data[i];
  if (header_length > kMaxHeaderBytes) {
    fail(file,
         fmt::format("the header claims {} bytes (limit {})", header_length, kMaxHeaderBytes));
  }
  if (header_length > file_size - 8) {
    fail(file, fmt::format("the header claims {} bytes but only {} follow the length field",
                           header_length, file_size - 8));
  }
  impl->data_start = 8 + header_length;
  const std::uint64_t data_size = file_size - impl->data_start;

  nlohmann::json header;
  try {
    const char* begin = reinterpret_cast<const char*>(impl->mapping.data + 8);
    header = nlohmann::json::parse(begin, begin + header_length);
  } catch (const nlohmann::json::exception& e) {
    fail(file, fmt::format("the header is not valid JSON: {}", e.what()));
  }
  if (!header.is_object()) fail(file, "the header is not a JSON object");

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& value = it.value();
    if (name == "__metadata__") {
      if (!value.is_object()) fail(file, "__metadata__ is not an object");
      for (auto m = value.begin(); m != value.end(); ++m) {
        if (!m.value().is_string())
          fail(file, fmt::format("metadata '{}' is not a string", m.key()));
        impl->metadata.emplace(m.key(), m.value().get<std::string>());
      }
      continue;
    }
    auto where = [&](const std::string& what) {
      fail(file, fmt::format("tensor '{}': {}", name, what));
    };
    if (!value.is_object()) where("its entry is not an object");
    if (!value.contains("dtype") || !value["dtype"].is_string()) where("no dtype string");
    if (!value.contains("shape") || !value["shape"].is_array()) where("no shape array");
    if (!value.contains("data_offsets") || !value["data_offsets"].is_array() ||
        value["data_offsets"].size() != 2) {
      where("data_offsets must be a pair [begin, end]");
    }
    SafetensorsEntry entry;
    entry.name = name;
    entry.dtype = value["dtype"].get<std::string>();
    const DtypeInfo* dtype = dtype_by_name(entry.dtype);
    if (dtype == nullptr) where(fmt::format("unsupported dtype '{}'", entry.dtype));

    std::uint64_t elements = 1;
    for (const auto& dim : value["shape"]) {
      if (!dim.is_number_unsigned()) where("a dimension is not a non-negative integer");
      const auto d = dim.get<std::uint64_t>();
      if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          (d != 0 && elements > std::numeric_limits<std::uint64_t>::max() / d)) {
        where("its shape overflows");
      }
      elements *= d;
      entry.shape.push_back(static_cast<std::int64_t>(d));
    }
    for (const auto& offset : value["data_offsets"]) {
      if (!offset.is_number_unsigned()) where("data_offsets must be non-negative integers");
    }
    entry.begin = value["data_offsets"][0].get<std::uint64_t>();
    entry.end = value["data_offsets"][1].get<std::uint64_t>();
    if (entry.begin > entry.end) where("data_offsets begin after they end");
    if (entry.end > data_size) {
      where(
          fmt::format("data_offsets end at {} but the data section has {} bytes (truncated file?)",
                      entry.end, data_size));
    }
    if (elements > std::numeric_limits<std::uint64_t>::max() / dtype->bytes ||
        elements * dtype->bytes != entry.end - entry.begin) {
      where(fmt::format("shape [{}] of {} needs {} bytes but data_offsets span {}",
                        fmt::join(entry.shape, ", "), entry.dtype, elements * dtype->bytes,
                        entry.end - entry.begin));
    }
    impl->entries.push_back(std::move(entry));
  }

  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& e : impl->entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      fail(file, fmt::format("tensors '{}' and '{}' overlap", by_offset[i - 1]->name,
                             by_offset[i]->name));
    }
  }
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
    std::memcpy(tensor.data_ptr(), impl_->mapping.data + impl_->data_start + entry->begin,
                entry->end - entry->begin);
  }
  if (to_float32 && tensor.is_floating_point() && tensor.scalar_type() != torch::kFloat32) {
    tensor = tensor.to(torch::kFloat32);
  }
  return tensor;
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
