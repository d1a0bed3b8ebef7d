// Any sweep file either expands into runs whose configs read and validate (the same
// readers `setfit train` uses for [data], [model], [args] and [eval]), or throws
// setfit::Error naming where.
#include <cstdint>
#include <string>

#include "setfit/errors.hpp"
#include "setfit/run_config.hpp"
#include "setfit/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const setfit::NamedInputs no_named_inputs;
  try {
    const auto sweep = setfit::expand_sweep(setfit::parse_toml(text, "fuzz.toml"), "fuzz.toml",
                                            /*max_runs=*/256);
    for (const auto& run : sweep.runs) {
      const auto config =
          setfit::read_run_config(run.config, {"fuzz.toml", "/nonexistent", "grid value"},
                                  no_named_inputs, /*fetch_datasets=*/false);
      config.args.validate();
    }
  } catch (const setfit::Error&) {
  }
  return 0;
}
