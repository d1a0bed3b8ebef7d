#include "safetensors_header.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "setfit/errors.hpp"

namespace setfit {
namespace {

// The safetensors reference refuses headers above 100 MB; so do we, before allocating.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw Error(fmt::format("{}: invalid safetensors file: {}", origin, what));
}

}  // namespace

std::size_t safetensors_dtype_size(std::string_view dtype) {
  if (dtype == "F64" || dtype == "I64") return 8;
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

SafetensorsHeader parse_safetensors_header(const std::uint8_t* bytes, std::uint64_t file_size,
                                           const std::string& origin) {
  SafetensorsHeader header;
  if (file_size < 8) {
    fail(origin, fmt::format("{} bytes is too short for the 8-byte header length", file_size));
  }
  std::uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | bytes[i];
  if (header_length > kMaxHeaderBytes) {
    fail(origin,
         fmt::format("the header claims {} bytes (limit {})", header_length, kMaxHeaderBytes));
  }
  if (header_length > file_size - 8) {
    fail(origin, fmt::format("the header claims {} bytes but only {} follow the length field",
                             header_length, file_size - 8));
  }
  header.data_start = 8 + header_length;
  const std::uint64_t data_size = file_size - header.data_start;

  nlohmann::json json;
  try {
    const char* begin = reinterpret_cast<const char*>(bytes + 8);
    json = nlohmann::json::parse(begin, begin + header_length);
  } catch (const nlohmann::json::exception& e) {
    fail(origin, fmt::format("the header is not valid JSON: {}", e.what()));
  }
  if (!json.is_object()) fail(origin, "the header is not a JSON object");

  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& name = it.key();
    const auto& value = it.value();
    if (name == "__metadata__") {
      if (!value.is_object()) fail(origin, "__metadata__ is not an object");
      for (auto m = value.begin(); m != value.end(); ++m) {
        if (!m.value().is_string())
          fail(origin, fmt::format("metadata '{}' is not a string", m.key()));
        header.metadata.emplace(m.key(), m.value().get<std::string>());
      }
      continue;
    }
    auto where = [&](const std::string& what) {
      fail(origin, fmt::format("tensor '{}': {}", name, what));
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
    const std::size_t dtype_bytes = safetensors_dtype_size(entry.dtype);
    if (dtype_bytes == 0) where(fmt::format("unsupported dtype '{}'", entry.dtype));

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
    if (elements > std::numeric_limits<std::uint64_t>::max() / dtype_bytes ||
        elements * dtype_bytes != entry.end - entry.begin) {
      where(fmt::format("shape [{}] of {} needs {} bytes but data_offsets span {}",
                        fmt::join(entry.shape, ", "), entry.dtype, elements * dtype_bytes,
                        entry.end - entry.begin));
    }
    header.entries.push_back(std::move(entry));
  }

  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& e : header.entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      fail(origin, fmt::format("tensors '{}' and '{}' overlap", by_offset[i - 1]->name,
                               by_offset[i]->name));
    }
  }
  return header;
}

}  // namespace setfit
