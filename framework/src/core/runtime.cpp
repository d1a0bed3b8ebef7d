#include "setfit/runtime.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <link.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <unistd.h>
#endif
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

#include "setfit/errors.hpp"
#include "setfit/log.hpp"

namespace setfit::runtime {
namespace {

// The file the dynamic loader resolved libblas.so.3 to, if any is loaded.
std::string loaded_blas_file() {
  std::string found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        std::string_view name = info->dlpi_name ? info->dlpi_name : "";
        if (name.find("libblas.so") != std::string_view::npos) {
          std::error_code ec;
          auto real = std::filesystem::canonical(std::string(name), ec);
          *static_cast<std::string*>(out) = ec ? std::string(name) : real.string();
          return 1;
        }
        return 0;
      },
      &found);
  return found;
}

}  // namespace

void configure_allocator() {
#ifdef __GLIBC__
  static const bool configured = [] {
    constexpr int kOneGiB = 1 << 30;
    const bool ok =
        mallopt(M_MMAP_THRESHOLD, kOneGiB) == 1 && mallopt(M_TRIM_THRESHOLD, kOneGiB) == 1;
    if (!ok) log::debug("mallopt refused the allocator thresholds; glibc defaults stay");
    return ok;
  }();
  (void)configured;
#endif
}

bool heap_uses_huge_pages() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const std::string_view value = tunables != nullptr ? tunables : "";
  return value.find("glibc.malloc.hugetlb=1") != std::string_view::npos ||
         value.find("glibc.malloc.hugetlb=2") != std::string_view::npos;
}

std::string allocator_description() {
  // gperftools' tcmalloc defines tc_malloc; preloaded, it serves every malloc of the process.
  if (dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr)
    return "tcmalloc (gperftools; the setfit front end preloads it for the verbs that train, "
           "SETFIT_ALLOCATOR=glibc declines)";
  if (heap_uses_huge_pages())
    return "glibc malloc, transparent huge pages (GLIBC_TUNABLES glibc.malloc.hugetlb)";
  return "glibc malloc, 4 KB pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1 gives huge pages; "
         "the setfit front end sets it unless told otherwise)";
}

void configure_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
}

int threads() {
  return at::get_num_threads();
}

bool blas_is_optimised() {
  return dlsym(RTLD_DEFAULT, "openblas_get_config") != nullptr ||
         loaded_blas_file().find("/blas/") == std::string::npos;
}

std::string blas_description() {
  using ConfigFn = char* (*)();
  using ParallelFn = int (*)();
  if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    std::string threading = "unknown threading";
    if (auto parallel =
            reinterpret_cast<ParallelFn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"))) {
      switch (parallel()) {
        case 0:
          threading = "single-threaded";
          break;
        case 1:
          threading = "pthreads: its own pool, oversubscribes next to LibTorch";
          break;
        case 2:
          threading = "OpenMP, shares LibTorch's pool";
          break;
      }
    }
    return fmt::format("{} ({})", config(), threading);
  }
  std::string file = loaded_blas_file();
  if (file.empty()) return "none loaded";
  if (file.find("/blas/") != std::string::npos) {
    return fmt::format("reference BLAS ({}): about 35x slower matmuls; install libopenblas0-openmp",
                       file);
  }
  return file;
}

std::string torch_version() {
  return TORCH_VERSION;
}

std::uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::uint64_t{1} << 32;  // unknown: assume 4 GiB
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

bool cpu_has_native_bf16() {
  static const bool has = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream flags(line.substr(line.find(':') + 1));
      std::string flag;
      while (flags >> flag) {
        if (flag == "avx512_bf16" || flag == "amx_bf16") return true;
      }
      return false;  // every core lists the same flags
    }
    return false;
  }();
  return has;
}

std::string cuda_description() {
  if (!at::hasCUDA() && !torch::cuda::is_available()) return "not compiled in";
  if (!torch::cuda::is_available()) return "compiled in, no device";
  return fmt::format("available ({} device(s))", torch::cuda::device_count());
}

void check_device(const Device& device, const std::string& what) {
  if (device.is_cpu()) return;
  const std::string name = to_string(device);
  if (!at::hasCUDA() && !torch::cuda::is_available()) {
    throw Error(fmt::format("{}: {}: this LibTorch was built without CUDA; use cpu", what, name));
  }
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (count == 0) throw Error(fmt::format("{}: {}: no CUDA GPU is visible", what, name));
  if (device.index >= count) {
    throw Error(fmt::format("{}: {}: there {} {} CUDA GPU{} (cuda:0{})", what, name,
                            count == 1 ? "is" : "are", count, count == 1 ? "" : "s",
                            count == 1 ? "" : fmt::format(" to cuda:{}", count - 1)));
  }
}

}  // namespace setfit::runtime
