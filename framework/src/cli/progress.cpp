#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "setfit/log.hpp"

namespace setfit::cli {
namespace {

std::string clock_text(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

ProgressReporter::ProgressReporter(std::string what, std::string unit)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      terminal_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

ProgressReporter::~ProgressReporter() {
  finish();
}

void ProgressReporter::update(std::size_t done, std::size_t total, const std::string& extra) {
  if (!log::enabled(log::Level::Info)) return;
  if (!terminal_ && done == 0) return;  // a plain line saying nothing happened yet is noise
  const auto now = std::chrono::steady_clock::now();
  const bool complete = total > 0 && done >= total;
  const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::seconds(5);
  if (!complete && drawn_ && now - last_ < interval) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  const std::string eta =
      rate > 0 && total > done ? clock_text(static_cast<double>(total - done) / rate) : "0:00";
  const std::string suffix = extra.empty() ? "" : "  " + extra;
  if (terminal_) {
    constexpr std::size_t width = 30;
    const std::size_t filled = total > 0 ? std::min(width, done * width / total) : 0;
    fmt::print(stderr, "\r{} [{}{}] {}/{} {}  {:.1f}/s  ETA {}{}\x1b[K", what_,
               std::string(filled, '#'), std::string(width - filled, '.'), done, total, unit_, rate,
               eta, suffix);
    std::fflush(stderr);
    log::set_status_line(true);
  } else {
    log::info("{}: {}/{} {}, {:.1f}/s, ETA {}{}", what_, done, total, unit_, rate, eta, suffix);
  }
  drawn_ = true;
}

void ProgressReporter::finish() {
  // Keep the final bar on its line, unless a log line already cleared it.
  if (terminal_ && drawn_ && log::status_line()) fmt::print(stderr, "\n");
  if (terminal_ && drawn_) log::set_status_line(false);
  drawn_ = false;
}

}  // namespace setfit::cli
