#include "run_recorder.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "../core/sha256.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"

namespace setfit::cli {
namespace {

// The run key: a hash of the resolved config and the data files' contents.
std::string run_key(const std::vector<ArgRecord>& records, const TrainConfig& config) {
  std::string text;
  for (const auto& r : records) text += key_line(r);
  for (const auto& file : {config.train, config.test, config.eval}) {
    if (!file.empty()) text += file.string() + "=" + detail::sha256_file(file) + "\n";
  }
  return detail::sha256_hex(text);
}

}  // namespace

std::string key_line(const ArgRecord& record) {
  return fmt::format("{}|{}|{}\n", record.key, record.stage, record.value_text);
}

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? std::string(name) : std::string("unknown");
}

RunRecorder::RunRecorder(const std::filesystem::path& db, const TrainConfig& config,
                         const ResolvedPlugins& plugins, const PluginRegistry& registry,
                         std::optional<std::int64_t> run_id)
    : store_(RunStore::open(db, /*migrate=*/!run_id)),
      last_heartbeat_(std::chrono::steady_clock::now()) {
  const auto records = config_records(config, plugins);
  run_id_ = run_id ? *run_id : store_->ensure_run(std::nullopt, run_key(records, config));
  // A sweep's orchestrator starts its runs itself (attempt, host), before the worker exists.
  if (!run_id) store_->start_run(run_id_, getpid(), host_name());
  store_->record_params(run_id_, records);
  const auto record_plugin = [&](PluginKind kind, const std::string& name) {
    const auto& plugin = registry.find(kind, name);
    store_->record_plugin(run_id_, std::string(to_string(kind)), plugin.info.name,
                          plugin.info.version, std::to_string(SETFIT_PLUGIN_ABI_VERSION),
                          detail::sha256_file(plugin.file));
  };
  record_plugin(PluginKind::Head, config.model.head);
  if (plugins.stage_one) {
    record_plugin(PluginKind::Loss, plugins.stage_one->loss);
    record_plugin(PluginKind::Sampler, plugins.stage_one->sampler);  // the one that ran
  }
  log::info("recording the run as run {} in {}", run_id_, db.string());
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

}  // namespace setfit::cli
