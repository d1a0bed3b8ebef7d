// Any byte string given to the safetensors header parser either parses into entries that
// lie inside the data, or throws setfit::Error; it never crashes, hangs or reads out of range.
#include <cstdint>
#include <cstdlib>

#include "body/safetensors_header.hpp"
#include "setfit/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto header = setfit::parse_safetensors_header(data, size, "fuzz");
    for (const auto& entry : header.entries) {
      if (entry.begin > entry.end || header.data_start + entry.end > size) std::abort();
    }
  } catch (const setfit::Error&) {
  }
  return 0;
}
