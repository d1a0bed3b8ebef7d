// Any JSONL or CSV data file either loads into a consistent Dataset or throws
// setfit::Error. The first byte picks the format; the rest is the file.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "setfit/dataset.hpp"
#include "setfit/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string file =
      "/tmp/setfit-fuzz-data-" + std::to_string(getpid()) + (data[0] % 2 == 0 ? ".jsonl" : ".csv");
  if (std::FILE* out = std::fopen(file.c_str(), "wb")) {
    std::fwrite(data + 1, 1, size - 1, out);
    std::fclose(out);
  }
  try {
    const setfit::Dataset dataset = setfit::load_dataset(file, {});
    if (dataset.labels.size() != dataset.texts.size()) __builtin_trap();
    for (const auto& labels : dataset.labels) {
      for (auto label : labels) {
        if (label < 0 || static_cast<std::size_t>(label) >= dataset.label_names.size())
          __builtin_trap();
      }
    }
    dataset.label_counts();
  } catch (const setfit::Error&) {
  }
  std::remove(file.c_str());
  return 0;
}
