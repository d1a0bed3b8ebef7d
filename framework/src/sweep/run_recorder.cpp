#include "setfit/run_recorder.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "../core/sha256.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? std::string(name) : std::string("unknown");
}

void describe_run(RunStore& store, std::int64_t run_id, const std::vector<ArgRecord>& records,
                  const std::vector<std::pair<PluginKind, std::string>>& plugins,
                  const PluginRegistry& registry) {
  store.record_params(run_id, records);
  for (const auto& [kind, name] : plugins) {
    const auto& plugin = registry.find(kind, name);
    store.record_plugin(run_id, std::string(to_string(kind)), plugin.info.name, plugin.info.version,
                        std::to_string(SETFIT_PLUGIN_ABI_VERSION),
                        detail::sha256_file(plugin.file));
  }
}

RunRecorder::RunRecorder(std::unique_ptr<RunStore> store, std::int64_t run_id)
    : store_(std::move(store)),
      run_id_(run_id),
      last_heartbeat_(std::chrono::steady_clock::now()) {}

std::unique_ptr<RunRecorder> RunRecorder::start_standalone(
    const std::filesystem::path& db, const std::string& run_key,
    const std::vector<ArgRecord>& records,
    const std::vector<std::pair<PluginKind, std::string>>& plugins,
    const PluginRegistry& registry) {
  auto store = RunStore::open(db, /*migrate=*/true);
  const std::int64_t id = store->ensure_run(std::nullopt, run_key);
  store->start_run(id, getpid(), host_name());
  describe_run(*store, id, records, plugins, registry);
  log::info("recording the run as run {} in {}", id, db.string());
  return std::unique_ptr<RunRecorder>(new RunRecorder(std::move(store), id));
}

std::unique_ptr<RunRecorder> RunRecorder::attach(const std::filesystem::path& db,
                                                 std::int64_t run_id) {
  // A worker: the orchestrator migrated the store before starting it.
  return std::unique_ptr<RunRecorder>(new RunRecorder(RunStore::open(db, false), run_id));
}

void RunRecorder::alive() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_heartbeat_ < std::chrono::seconds(10)) return;
  last_heartbeat_ = now;
  store_->heartbeat(run_id_);
}

void RunRecorder::finished(const std::vector<MetricPoint>& history,
                           const std::map<std::string, double>& metrics,
                           const std::string& model_dir) {
  store_->record_metrics(run_id_, history);
  store_->record_summary(run_id_, metrics);
  if (!model_dir.empty()) store_->record_artifact(run_id_, "model", model_dir, "");
  store_->finish_run(run_id_, RunStatus::Finished);
}

void RunRecorder::failed(const std::vector<MetricPoint>& history, const std::exception& error,
                         const std::string& stage) {
  if (const auto* diverged = dynamic_cast<const TrainingDiverged*>(&error))
    record_end(history, RunStatus::Diverged, diverged->stage(), diverged->what());
  else
    record_end(history, RunStatus::Failed, stage, error.what());
}

void RunRecorder::record_end(const std::vector<MetricPoint>& history, RunStatus status,
                             const std::string& stage, const std::string& error) {
  try {
    store_->record_metrics(run_id_, history);
    store_->finish_run(run_id_, status, stage, error);
  } catch (const std::exception& e) {
    // The original error matters more; say that the store could not take this one.
    log::error("could not record the failure in {}: {}", store_->path().string(), e.what());
  }
}

}  // namespace setfit
