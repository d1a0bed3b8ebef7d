#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/plugin.hpp"
#include "setfit/records.hpp"
#include "setfit/run_store.hpp"

namespace setfit {

class PluginRegistry;

// This machine's name, as the store records where a run ran.
SETFIT_API std::string host_name();

// What a run is, in the store: its params and the plugins it uses (name, version, ABI,
// file hash). Written once, before the run trains.
SETFIT_API void describe_run(RunStore& store, std::int64_t run_id,
                             const std::vector<ArgRecord>& records,
                             const std::vector<std::pair<PluginKind, std::string>>& plugins,
                             const PluginRegistry& registry);

// Records one training run in a run store: heartbeats while it trains, and its metric
// series, summary and final state at the end (FINISHED, or FAILED/DIVERGED with the stage
// and message).
class SETFIT_API RunRecorder {
 public:
  // A new standalone run (`setfit train --db`): created RUNNING under `run_key`, described.
  static std::unique_ptr<RunRecorder> start_standalone(
      const std::filesystem::path& db, const std::string& run_key,
      const std::vector<ArgRecord>& records,
      const std::vector<std::pair<PluginKind, std::string>>& plugins,
      const PluginRegistry& registry);
  // A sweep's run, which its orchestrator created, started and described.
  static std::unique_ptr<RunRecorder> attach(const std::filesystem::path& db, std::int64_t run_id);

  std::int64_t run_id() const { return run_id_; }
  // A heartbeat, at most every 10 seconds.
  void alive();
  void finished(const std::vector<MetricPoint>& history,
                const std::map<std::string, double>& metrics, const std::string& model_dir);
  // The end of a run that threw: DIVERGED in the diverging stage for TrainingDiverged,
  // otherwise FAILED in `stage` (where the run was when it threw).
  void failed(const std::vector<MetricPoint>& history, const std::exception& error,
              const std::string& stage);

 private:
  RunRecorder(std::unique_ptr<RunStore> store, std::int64_t run_id);
  void record_end(const std::vector<MetricPoint>& history, RunStatus status,
                  const std::string& stage, const std::string& error);

  std::unique_ptr<RunStore> store_;
  std::int64_t run_id_ = 0;
  std::chrono::steady_clock::time_point last_heartbeat_;
};

}  // namespace setfit
