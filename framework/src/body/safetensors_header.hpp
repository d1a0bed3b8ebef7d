#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "setfit/safetensors.hpp"

namespace setfit {

struct SafetensorsHeader {
  std::uint64_t data_start = 0;  // offset of the data section in the file
  std::vector<SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata;
};

// Bytes per element of a safetensors dtype name; 0 when unknown.
std::size_t safetensors_dtype_size(std::string_view dtype);

// Validates everything about a safetensors file held whole in `bytes`: header length,
// JSON, dtypes, shapes against byte ranges, offsets in range and not overlapping. Throws
// setfit::Error "<origin>: invalid safetensors file: ...". No LibTorch: fuzzed alone.
SafetensorsHeader parse_safetensors_header(const std::uint8_t* bytes, std::uint64_t file_size,
                                           const std::string& origin);

}  // namespace setfit
