// Process-wide runtime settings: the allocator thresholds that keep training's large
// temporaries in the heap.
#include <gtest/gtest.h>

#include <cstdlib>

#include "setfit/runtime.hpp"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace setfit {
namespace {

#ifdef __GLIBC__
// Bytes of a fresh 64 MiB allocation that glibc served with mmap (0: served from the heap).
std::size_t mmapped_bytes_of_a_large_allocation() {
  const std::size_t before = mallinfo2().hblkhd;
  void* block = std::malloc(64u << 20);
  const std::size_t during = mallinfo2().hblkhd;
  std::free(block);
  return during - before;
}

TEST(Runtime, ConfigureAllocatorServesLargeBlocksFromTheHeap) {
  runtime::configure_allocator();
  runtime::configure_allocator();  // idempotent
  EXPECT_EQ(mmapped_bytes_of_a_large_allocation(), 0u);
}
#else
TEST(Runtime, ConfigureAllocatorIsANoOpWithoutGlibc) {
  runtime::configure_allocator();
  SUCCEED() << "not glibc: nothing to configure";
}
#endif

}  // namespace
}  // namespace setfit
