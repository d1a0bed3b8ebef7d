// `setfit-engine`: every verb, with LibTorch loaded (see commands() in command.hpp).

#include <fmt/format.h>

#include "command.hpp"
#include "setfit/log.hpp"
#include "setfit/runtime.hpp"
#include "setfit/version.hpp"

namespace setfit::cli {

void configure_program(const GlobalOptions& global) {
  runtime::configure_threads(global.threads);
  runtime::configure_allocator();
  // Not worked out unless shown: it looks a symbol up across LibTorch's ~290 libraries.
  if (log::enabled(log::Level::Debug))
    log::debug("allocator: {}", runtime::allocator_description());
}

int print_version(const GlobalOptions&) {
  fmt::print("setfit {}\n", SETFIT_VERSION_STRING);
  fmt::print("LibTorch {}\n", runtime::torch_version());
  fmt::print("BLAS: {}\n", runtime::blas_description());
  fmt::print("threads: {}\n", runtime::threads());
  fmt::print("allocator: {}\n", runtime::allocator_description());
  fmt::print("native bf16 (use_amp): {}\n", runtime::cpu_has_native_bf16() ? "yes" : "no");
  fmt::print("CUDA: {}\n", runtime::cuda_description());
  return kExitOk;
}

}  // namespace setfit::cli
