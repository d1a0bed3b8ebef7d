#pragma once

// Where a model's tensors live: the CPU (the default, and what the tests run on) or one CUDA
// GPU. Everything that creates or moves tensors takes it from the model it works with.

#include <string>
#include <string_view>

#include "setfit/export.hpp"

namespace setfit {

struct Device {
  enum class Kind { Cpu, Cuda };
  Kind kind = Kind::Cpu;
  int index = 0;  // the GPU, for Cuda

  bool is_cpu() const { return kind == Kind::Cpu; }
  bool operator==(const Device&) const = default;
};

// "cpu", "cuda" (GPU 0) or "cuda:N"; throws UsageError naming the text otherwise. Says
// nothing about whether the device exists: runtime::check_device does.
SETFIT_API Device parse_device(std::string_view text);
// "cpu" or "cuda:N".
SETFIT_API std::string to_string(const Device& device);

}  // namespace setfit
