#pragma once

#include <string>

#include "setfit/export.hpp"

// Facts about the running process that affect speed and reproducibility.
namespace setfit::runtime {

// Sets LibTorch's intra-op thread count (<= 0: one per core). LibTorch starts with
// one thread on some machines, so every entry point calls this explicitly.
SETFIT_API void configure_threads(int threads);
SETFIT_API int threads();
// "OpenBLAS 0.3.21 ... (OpenMP)" or the reference BLAS with a hint to install OpenBLAS.
SETFIT_API std::string blas_description();
// Whether the BLAS in use is an optimised one (not the reference implementation).
SETFIT_API bool blas_is_optimised();
SETFIT_API std::string torch_version();
// Whether the CPU multiplies bf16 natively (AVX-512 BF16 or AMX): where use_amp takes effect.
SETFIT_API bool cpu_has_native_bf16();
// "available (N devices)", "compiled in, no device", or "not compiled in".
SETFIT_API std::string cuda_description();

}  // namespace setfit::runtime
