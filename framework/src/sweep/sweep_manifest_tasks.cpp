// Planning a sweep into a manifest and running one of its tasks: the side of a planned sweep
// that expands, prepares and trains (the files themselves are in sweep_manifest.cpp).

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>

#include "manifest_files.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/run_config.hpp"
#include "setfit/run_recorder.hpp"
#include "setfit/run_store.hpp"
#include "setfit/runtime.hpp"
#include "setfit/sweep_manifest.hpp"
#include "sweep_files.hpp"

namespace fs = std::filesystem;

namespace setfit {

SweepManifest plan_manifest(const fs::path& sweep_file, const PluginRegistry& registry,
                            const NamedInputs& inputs, bool share, std::size_t max_runs) {
  const auto loaded = detail::load_sweep(sweep_file, registry, inputs, max_runs);
  const auto& prepared = loaded.prepared;
  SweepManifest manifest;
  manifest.header.sweep_name = loaded.sweep.header.name;
  manifest.header.spec_toml = loaded.spec_text;
  manifest.header.fingerprint = loaded.fingerprint;
  manifest.header.varied = loaded.sweep.varied;
  manifest.header.sweep_file = fs::absolute(sweep_file);
  // Nothing is stored yet: every run is to do, grouped exactly as `sweep run` groups them
  // (grid points that resolve to one run key are one run).
  std::vector<StoredRunState> fresh(prepared.size());
  std::map<std::string, std::int64_t> id_of_key;
  for (std::size_t i = 0; i < prepared.size(); ++i)
    fresh[i].id = id_of_key.emplace(prepared[i].key, static_cast<std::int64_t>(i)).first->second;
  PlanPolicy policy;
  policy.share = share;
  for (const auto& unit : plan_sweep(prepared, fresh, policy).units) {
    ManifestTask task;
    for (auto index : unit.runs) {
      const PreparedRun& p = prepared[index];
      task.runs.push_back(
          {p.key, p.stage1_key, p.label, p.records, p.plugins, detail::toml_text(p.worker_config)});
    }
    manifest.tasks.push_back(std::move(task));
  }
  manifest.header.tasks = manifest.tasks.size();
  return manifest;
}

bool run_manifest_task(const fs::path& dir, std::size_t index, const PluginRegistry& registry,
                       const ManifestTaskOptions& options, const std::atomic<bool>& stop) {
  const ManifestHeader manifest = read_manifest(dir);
  if (index >= manifest.tasks) {
    throw UsageError(fmt::format("{}: no task {}; the manifest has tasks 0 to {}", dir.string(),
                                 index, manifest.tasks - 1));
  }
  const ManifestTask task = read_manifest_task(dir, index);
  // A fresh store of this task's own on local disk; a retried task starts over.
  const fs::path local = options.scratch / fmt::format("setfit-task-{}-{}", index, getpid());
  fs::remove_all(local);
  fs::create_directories(local);
  const fs::path shard = local / fmt::format("task-{}.db", index);
  // The local store goes when the task ends, published or not.
  struct RemoveWhenDone {
    fs::path path;
    bool keep = false;
    ~RemoveWhenDone() {
      std::error_code ec;
      if (!keep) fs::remove_all(path, ec);
    }
  } cleanup{local};
  std::vector<PreparedRun> runs;
  std::vector<std::int64_t> ids;
  WorkUnit unit;
  auto store = RunStore::open(shard);
  {
    const auto sweep_id =
        store->ensure_sweep(manifest.sweep_name, manifest.spec_toml, manifest.fingerprint);
    store->record_varied(sweep_id, manifest.varied);
    const std::string host = host_name();
    for (const auto& run : task.runs) {
      PreparedRun prepared;
      prepared.label = run.label;
      prepared.key = run.key;
      prepared.stage1_key = run.stage1_key;
      prepared.worker_config =
          parse_toml(run.config_toml, detail::manifest_task_file(dir, index).string());
      unit.runs.push_back(runs.size());
      runs.push_back(std::move(prepared));
      ids.push_back(store->ensure_run(sweep_id, run.key));
      store->start_run(ids.back(), getpid(), host);
      store->set_stage1(ids.back(), run.stage1_key, ids.front());
      if (!options.scheduler_job.empty())
        store->set_scheduler_job(ids.back(), options.scheduler_job);
      describe_run(*store, ids.back(), run.records, run.plugins, registry);
    }
  }
  log::info("task {}: {} run{} of sweep '{}', {} thread{}", index, ids.size(),
            ids.size() == 1 ? "" : "s", manifest.sweep_name, runtime::threads(),
            runtime::threads() == 1 ? "" : "s");
  LocalExecutorOptions worker = options.worker;
  worker.jobs = 1;
  if (worker.threads <= 0) worker.threads = runtime::threads();
  const auto executor = make_local_executor(worker);
  // The worker's log follows into this task's own output (the scheduler's log file) as it is
  // written, so that a running task shows how far it got.
  const fs::path worker_log = sweep_work_dir(shard) / "logs" / fmt::format("group-{}.log", ids[0]);
  std::ifstream log_in;
  const auto follow_log = [&] {
    if (!log_in.is_open()) log_in.open(worker_log, std::ios::binary);
    if (!log_in.is_open()) return;
    char buffer[4096];
    while (log_in.read(buffer, sizeof buffer) || log_in.gcount() > 0) {
      std::cerr.write(buffer, log_in.gcount());
      if (log_in.gcount() < static_cast<std::streamsize>(sizeof buffer)) break;
    }
    log_in.clear();  // at the end for now: the worker may write more
    std::cerr.flush();
  };
  executor->execute(
      runs, ids, {unit}, *store, [](const WorkUnit& claimed) { return claimed; }, stop,
      [&](const ExecutionProgress&) { follow_log(); });
  follow_log();
  bool finished = true;
  for (auto id : ids) {
    const RunStatus status = store->run(id).status;
    // Stopped before its worker started: nothing trained, the run is KILLED all the same.
    if (status == RunStatus::Running)
      store->finish_run(id, RunStatus::Killed, "setup", "stopped before training started");
    finished = finished && status == RunStatus::Finished;
  }
  store.reset();
  // Published whole: a consistent copy (VACUUM INTO reads through the WAL) beside its final
  // name, then renamed over it.
  const fs::path published = task_shard_path(dir, index);
  const fs::path partial = published.string() + fmt::format(".partial-{}", getpid());
  try {
    std::error_code ignored;
    fs::remove(partial, ignored);
    SQLite::Database db(shard.string(), SQLite::OPEN_READONLY);
    SQLite::Statement copy(db, "VACUUM INTO ?");
    copy.bind(1, partial.string());
    copy.exec();
    fs::rename(partial, published);
  } catch (const std::exception& e) {
    cleanup.keep = true;  // the trained store is not lost: it stays where it was written
    std::error_code ec;
    fs::remove(partial, ec);
    throw Error(fmt::format("{}: cannot publish task {}'s store ({}); it is kept at {}",
                            published.parent_path().string(), index, e.what(), shard.string()));
  }
  log::info("task {}: published {}{}", index, published.string(),
            stop ? " (stopped: unfinished runs are KILLED)" : "");
  return finished;
}

}  // namespace setfit
