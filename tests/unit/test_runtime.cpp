// Process-wide runtime settings: the allocator thresholds that keep training's large
// temporaries in the heap; log lines and a progress bar sharing stderr.
#include <gtest/gtest.h>

#include <cstdlib>

#include "setfit/log.hpp"
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

// A log line written while a progress bar is on the line clears the bar first (it used to be
// glued to the bar's end on a terminal); the next one is written as usual.
TEST(Log, ALogLineClearsAProgressBarInsteadOfGluingOntoIt) {
  log::set_status_line(true);
  testing::internal::CaptureStderr();
  log::write(log::Level::Warn, "first");
  log::write(log::Level::Info, "second");
  const std::string written = testing::internal::GetCapturedStderr();
  EXPECT_EQ(written, "\r\x1b[Kwarning: first\nsecond\n");
  EXPECT_FALSE(log::status_line());
}

}  // namespace
}  // namespace setfit
