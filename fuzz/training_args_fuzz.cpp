// Any TOML text either reads into TrainingArguments that pass validate() and record
// themselves, or throws setfit::Error naming where: the [args] table of every config and
// sweep goes through this reader.
#include <cstdint>
#include <string_view>

#include "setfit/errors.hpp"
#include "setfit/training_args.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto args = setfit::TrainingArguments::from_toml(text, "fuzz.toml");
    args.validate();
    args.records();
  } catch (const setfit::Error&) {
  }
  return 0;
}
