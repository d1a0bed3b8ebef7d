#pragma once

#include <ATen/autocast_mode.h>

#include "setfit/export.hpp"

namespace setfit::detail {

// CPU autocast to bf16 for the lifetime of the object: matmuls and linear layers run in bf16,
// weights stay float32. Worth it only where runtime::cpu_has_native_bf16() (elsewhere bf16
// is emulated and slower). Restores the previous autocast state and drops the cast-weight
// cache when the outermost scope ends, as torch.autocast does.
class SETFIT_API CpuAutocastScope {
 public:
  CpuAutocastScope();
  ~CpuAutocastScope();
  CpuAutocastScope(const CpuAutocastScope&) = delete;
  CpuAutocastScope& operator=(const CpuAutocastScope&) = delete;

 private:
  bool previous_enabled_;
  at::ScalarType previous_dtype_;
};

}  // namespace setfit::detail
