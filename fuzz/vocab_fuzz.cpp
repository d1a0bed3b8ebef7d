// Any vocab.txt (with a fixed tokenizer_config.json) either yields a WordPiece tokeniser
// that encodes text, or throws setfit::Error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "setfit/errors.hpp"
#include "setfit/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("setfit-fuzz-vocab-" + std::to_string(getpid()));
  static const bool ready = [] {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "tokenizer_config.json") << R"({"do_lower_case": true})";
    return true;
  }();
  (void)ready;
  std::ofstream(dir / "vocab.txt", std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    auto tokenizer = setfit::load_tokenizer(dir, "BertTokenizer");
    tokenizer->encode("Hello, world! [MASK] déjà vu 我爱 unaffable", 32);
    tokenizer->encode_pair("first text", "the second one", 8);
  } catch (const setfit::Error&) {
  }
  return 0;
}
