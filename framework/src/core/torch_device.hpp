#pragma once

#include <c10/core/Device.h>

#include "setfit/device.hpp"

namespace setfit::detail {

inline c10::Device torch_device(const Device& device) {
  return device.is_cpu() ? c10::Device(c10::kCPU)
                         : c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(device.index));
}

}  // namespace setfit::detail
