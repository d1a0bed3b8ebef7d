#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace setfit::cli {

// Progress of long work on stderr: on a terminal a bar redrawn in place with the rate
// and an ETA; otherwise plain log lines at most every 5 seconds. Silent under -q.
class ProgressReporter {
 public:
  // `what` names the work ("stage 1"), `unit` what is counted ("steps").
  ProgressReporter(std::string what, std::string unit);
  ~ProgressReporter();
  // `extra` is appended, e.g. "loss 0.123".
  void update(std::size_t done, std::size_t total, const std::string& extra = {});
  // Ends the bar's line (a no-op when nothing was drawn).
  void finish();

 private:
  std::string what_, unit_;
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace setfit::cli
