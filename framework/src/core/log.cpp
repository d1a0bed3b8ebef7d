#include "setfit/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace setfit::log {
namespace {

std::atomic<Level> current_level{Level::Info};
std::mutex write_mutex;

std::string_view prefix(Level level) {
  switch (level) {
    case Level::Error:
      return "error: ";
    case Level::Warn:
      return "warning: ";
    case Level::Info:
      return "";
    case Level::Debug:
      return "debug: ";
    case Level::Trace:
      return "trace: ";
  }
  return "";
}

}  // namespace

void set_level(Level level) {
  current_level.store(level);
}
Level level() {
  return current_level.load();
}

void write(Level level, std::string_view message) {
  std::lock_guard lock(write_mutex);
  fmt::print(stderr, "{}{}\n", prefix(level), message);
  std::fflush(stderr);
}

}  // namespace setfit::log
