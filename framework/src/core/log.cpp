#include "setfit/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace setfit::log {
namespace {

std::atomic<Level> current_level{Level::Info};
std::atomic<bool> status_line_drawn{false};
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
  // Return to the start of the bar's line and erase it, so the message starts a clean line.
  const char* clear = status_line_drawn.exchange(false) ? "\r\x1b[K" : "";
  fmt::print(stderr, "{}{}{}\n", clear, prefix(level), message);
  std::fflush(stderr);
}

void set_status_line(bool drawn) {
  status_line_drawn.store(drawn);
}
bool status_line() {
  return status_line_drawn.load();
}

}  // namespace setfit::log
