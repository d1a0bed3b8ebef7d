#include "cpu_autocast.hpp"

namespace setfit::detail {

CpuAutocastScope::CpuAutocastScope()
    : previous_enabled_(at::autocast::is_cpu_enabled()),
      previous_dtype_(at::autocast::get_autocast_cpu_dtype()) {
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::increment_nesting();
}

CpuAutocastScope::~CpuAutocastScope() {
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(previous_enabled_);
  at::autocast::set_autocast_cpu_dtype(previous_dtype_);
}

}  // namespace setfit::detail
