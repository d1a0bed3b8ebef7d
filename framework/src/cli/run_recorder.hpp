#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setfit/model.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/run_store.hpp"
#include "train_config.hpp"

namespace setfit::cli {

// One recorded value as it enters a run key or a stage-1 key: "key|stage|value\n".
std::string key_line(const ArgRecord& record);

// This machine's name, as the store records where a run ran.
std::string host_name();

// Records one `setfit train` run in a run store: created RUNNING with its params and
// plugins when constructed, heartbeats while it trains, and its metric series, summary
// and final state at the end (FINISHED, or FAILED/DIVERGED with the stage and message).
class RunRecorder {
 public:
  // `run_id`: an existing run, already started by a sweep's orchestrator, to record into
  // (the store is migrated by then); otherwise a new standalone run.
  RunRecorder(const std::filesystem::path& db, const TrainConfig& config,
              const ResolvedPlugins& plugins, const PluginRegistry& registry,
              std::optional<std::int64_t> run_id = std::nullopt);
  // A heartbeat, at most every 10 seconds.
  void alive();
  void finished(const std::vector<MetricPoint>& history,
                const std::map<std::string, double>& metrics, const std::string& model_dir);
  // The end of a run that threw: DIVERGED in the diverging stage for TrainingDiverged,
  // otherwise FAILED in `stage` (where the run was when it threw).
  void failed(const std::vector<MetricPoint>& history, const std::exception& error,
              const std::string& stage);

 private:
  void record_end(const std::vector<MetricPoint>& history, RunStatus status,
                  const std::string& stage, const std::string& error);

  std::unique_ptr<RunStore> store_;
  std::int64_t run_id_ = 0;
  std::chrono::steady_clock::time_point last_heartbeat_;
};

}  // namespace setfit::cli
