#pragma once

#include <cstdint>
#include <string>

#include "setfit/device.hpp"
#include "setfit/export.hpp"

// Facts about the running process that affect speed and reproducibility.
namespace setfit::runtime {

// Sets LibTorch's intra-op thread count (<= 0: one per core). LibTorch starts with
// one thread on some machines, so every entry point calls this explicitly.
SETFIT_API void configure_threads(int threads);
SETFIT_API int threads();
// Keeps large freed blocks in the heap for reuse (glibc: mmap and trim thresholds of 1 GiB).
// Training allocates and frees tensors of tens of MB every step (a transformer's
// word-embedding gradient, the optimizer's temporaries); with glibc's defaults each one is a
// fresh mmap whose pages fault in again, which halves training speed. The price: memory
// freed by the process is kept for reuse rather than returned to the system. Called by the
// CLI at start-up and by every Trainer; idempotent; a no-op without glibc.
SETFIT_API void configure_allocator();
// Whether glibc backs the heap with transparent huge pages (GLIBC_TUNABLES
// glibc.malloc.hugetlb=1 or 2, read when the process started), and how to turn that on.
// The setfit front end sets it for the engine: large tensors then fault in 2 MB at a time.
SETFIT_API std::string allocator_description();
// Whether glibc's heap is on transparent huge pages (GLIBC_TUNABLES glibc.malloc.hugetlb);
// memory the framework maps itself follows the same choice.
SETFIT_API bool heap_uses_huge_pages();
// "OpenBLAS 0.3.21 ... (OpenMP)" or the reference BLAS with a hint to install OpenBLAS.
SETFIT_API std::string blas_description();
// Whether the BLAS in use is an optimised one (not the reference implementation).
SETFIT_API bool blas_is_optimised();
SETFIT_API std::string torch_version();
// Whether the CPU multiplies bf16 natively (AVX-512 BF16 or AMX): where use_amp takes effect.
SETFIT_API bool cpu_has_native_bf16();
// The machine's physical memory, for bounding requests sized by user input.
SETFIT_API std::uint64_t physical_memory_bytes();
// "available (N devices)", "compiled in, no device", or "not compiled in".
SETFIT_API std::string cuda_description();
// Throws setfit::Error when `device` cannot be used here: a CUDA device with a LibTorch built
// without CUDA, with no GPU visible, or with an index past the last GPU. `what` names where
// the device was asked for (a flag, a config key).
SETFIT_API void check_device(const Device& device, const std::string& what);

}  // namespace setfit::runtime
