#include "modules_to_load.hpp"

#include <sys/mman.h>

#include <new>

#include "setfit/runtime.hpp"

namespace setfit::body {

torch::Tensor empty_to_load(at::IntArrayRef sizes) {
  // Below this a heap block costs no page of its own worth avoiding.
  constexpr std::size_t kMapFrom = 256 * 1024;
  const auto bytes = static_cast<std::size_t>(c10::multiply_integers(sizes)) * sizeof(float);
  if (bytes < kMapFrom) return torch::empty(sizes);
  void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) throw std::bad_alloc();
  // Written when copied from the file: in 2 MB pages where the heap uses them too.
  if (runtime::heap_uses_huge_pages()) madvise(data, bytes, MADV_HUGEPAGE);
  return torch::from_blob(
      data, sizes, [bytes](void* pointer) { munmap(pointer, bytes); }, torch::kFloat32);
}

}  // namespace setfit::body
