#pragma once

#include <fmt/core.h>

#include <string_view>

#include "setfit/export.hpp"

// Levelled logging to stderr. Command output (tables, JSON) goes to stdout instead,
// so it can be piped while progress and diagnostics stay visible.
namespace setfit::log {

enum class Level { Error = 0, Warn = 1, Info = 2, Debug = 3, Trace = 4 };

SETFIT_API void set_level(Level level);
SETFIT_API Level level();
SETFIT_API void write(Level level, std::string_view message);

// Whether a status line (a progress bar redrawn in place with \r) is on stderr's current
// line. A progress display sets it after drawing; the next log line then clears the bar
// first, instead of being glued to its end (the bar comes back at its next update).
SETFIT_API void set_status_line(bool drawn);
SETFIT_API bool status_line();

inline bool enabled(Level at) {
  return static_cast<int>(at) <= static_cast<int>(level());
}

template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::Error)) write(Level::Error, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::Warn)) write(Level::Warn, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::Info)) write(Level::Info, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::Debug)) write(Level::Debug, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::Trace)) write(Level::Trace, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace setfit::log
