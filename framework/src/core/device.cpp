#include "setfit/device.hpp"

#include <fmt/format.h>

#include <charconv>

#include "setfit/errors.hpp"

namespace setfit {

Device parse_device(std::string_view text) {
  if (text == "cpu") return {};
  if (text == "cuda") return {Device::Kind::Cuda, 0};
  constexpr std::string_view kCudaPrefix = "cuda:";
  if (text.substr(0, kCudaPrefix.size()) == kCudaPrefix) {
    const std::string_view number = text.substr(kCudaPrefix.size());
    int index = -1;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), index);
    if (!number.empty() && error == std::errc() && end == number.data() + number.size() &&
        index >= 0) {
      return {Device::Kind::Cuda, index};
    }
  }
  throw UsageError(
      fmt::format("unknown device '{}'; expected cpu, cuda or cuda:N (N from 0)", text));
}

std::string to_string(const Device& device) {
  return device.is_cpu() ? "cpu" : fmt::format("cuda:{}", device.index);
}

}  // namespace setfit
