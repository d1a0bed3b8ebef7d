// Any tokenizer.json either yields a tokeniser that encodes text, or throws setfit::Error.
#include <cstdint>
#include <string_view>

#include "setfit/errors.hpp"
#include "text/tokenizer_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto tokenizer = setfit::text::tokenizer_from_json(text, "fuzz");
    tokenizer->encode("Hello, world! [MASK] <mask> déjà vu 我爱  ", 16);
    tokenizer->encode_pair("first text", "the second one", 8);
  } catch (const setfit::Error&) {
  }
  return 0;
}
