// The manifest of a sweep planned for tasks that run elsewhere, the task side (train into a
// local store, publish it) and collecting the published stores.

#include "setfit/sweep_manifest.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "../core/json_file.hpp"
#include "../results/results_store.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/run_config.hpp"
#include "setfit/run_recorder.hpp"
#include "setfit/run_store.hpp"
#include "setfit/runtime.hpp"
#include "sweep_files.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

constexpr const char* kManifestFile = "manifest.json";

nlohmann::json to_json(const ManifestRun& run) {
  // A record is [key, stage, text, number or null, is default]: a sweep of 10,000 runs
  // writes some 450,000 of them.
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : run.records) {
    records.push_back({r.key, r.stage, r.value_text,
                       r.value_num ? nlohmann::json(*r.value_num) : nlohmann::json(),
                       r.is_default});
  }
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& [kind, name] : run.plugins)
    plugins.push_back({{"kind", std::string(to_string(kind))}, {"name", name}});
  return {{"key", run.key},     {"stage1_key", run.stage1_key}, {"label", run.label},
          {"records", records}, {"plugins", plugins},           {"config", run.config_toml}};
}

ManifestRun run_from_json(const nlohmann::json& json) {
  ManifestRun run;
  run.key = json.at("key").get<std::string>();
  run.stage1_key = json.at("stage1_key").get<std::string>();
  run.label = json.at("label").get<std::string>();
  run.config_toml = json.at("config").get<std::string>();
  for (const auto& r : json.at("records")) {
    if (!r.is_array() || r.size() != 5)
      throw nlohmann::json::other_error::create(
          501, "a record is not [key, stage, text, number, default]", &r);
    ArgRecord record{r.at(0).get<std::string>(), r.at(1).get<std::string>(),
                     r.at(2).get<std::string>(), std::nullopt, r.at(4).get<bool>()};
    if (!r.at(3).is_null()) record.value_num = r.at(3).get<double>();
    run.records.push_back(std::move(record));
  }
  for (const auto& p : json.at("plugins")) {
    run.plugins.emplace_back(plugin_kind_from_string(p.at("kind").get<std::string>()),
                             p.at("name").get<std::string>());
  }
  return run;
}

fs::path task_file(const fs::path& dir, std::size_t index) {
  return dir / "tasks" / fmt::format("task-{}.json", index);
}

// Reads one of the manifest's JSON files; a missing key or a wrong type names the file.
template <typename Read>
auto read_manifest_file(const fs::path& file, Read read) {
  const auto json = detail::read_json_file(file);
  try {
    return read(json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not a setfit sweep manifest: {}", file.string(), e.what()));
  }
}

}  // namespace

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

void write_manifest(const SweepManifest& manifest, const fs::path& dir) {
  std::error_code ec;
  for (const char* folder : {"shards", "tasks"}) {
    fs::create_directories(dir / folder, ec);
    if (ec) {
      throw Error(
          fmt::format("{}: cannot create the manifest folder: {}", dir.string(), ec.message()));
    }
  }
  for (std::size_t i = 0; i < manifest.tasks.size(); ++i) {
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& run : manifest.tasks[i].runs) runs.push_back(to_json(run));
    detail::write_json_file(task_file(dir, i), {{"runs", runs}}, /*indent=*/-1);
  }
  // The header last: a manifest whose header exists has all its tasks.
  const ManifestHeader& h = manifest.header;
  nlohmann::json varied = nlohmann::json::array();
  for (const auto& v : h.varied) varied.push_back({{"key", v.key}, {"kind", v.kind}});
  detail::write_json_file(dir / kManifestFile, {{"setfit_manifest_version", h.version},
                                                {"sweep", h.sweep_name},
                                                {"spec_toml", h.spec_toml},
                                                {"fingerprint", h.fingerprint},
                                                {"sweep_file", h.sweep_file.string()},
                                                {"varied", varied},
                                                {"tasks", manifest.tasks.size()}});
}

namespace {

// DIR/shards/earlier-N/, oldest first: the stores of the plans a changed sweep replaced.
std::vector<fs::path> earlier_shard_folders(const fs::path& dir) {
  std::vector<std::pair<int, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / "shards", ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("earlier-", 0) == 0)
      found.emplace_back(std::atoi(name.c_str() + 8), entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& [number, path] : found) out.push_back(std::move(path));
  return out;
}

std::vector<fs::path> stores_in(const fs::path& folder) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind("task-", 0) == 0 && entry.path().extension() == ".db")
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

SweepManifest replace_manifest(SweepManifest manifest, const fs::path& dir) {
  read_manifest(dir);  // DIR holds a plan of this setfit's
  std::set<std::string> finished;
  const auto add_finished = [&](const fs::path& store_file) {
    try {
      auto store = detail::open_store_read_only(store_file);
      SQLite::Statement s(store, "SELECT run_key FROM runs WHERE status = 'FINISHED'");
      while (s.executeStep()) finished.insert(s.getColumn(0).getString());
    } catch (const Error&) {
      // Not a store: moved aside with the others, trained again.
    }
  };
  for (const auto& folder : earlier_shard_folders(dir))
    for (const auto& store : stores_in(folder)) add_finished(store);
  const auto current = stores_in(dir / "shards");
  for (const auto& store : current) add_finished(store);
  if (!current.empty()) {
    const fs::path aside =
        dir / "shards" / fmt::format("earlier-{}", earlier_shard_folders(dir).size() + 1);
    fs::create_directories(aside);
    for (const auto& store : current) fs::rename(store, aside / store.filename());
  }
  std::vector<ManifestTask> tasks;
  for (auto& task : manifest.tasks) {
    std::erase_if(task.runs, [&](const ManifestRun& run) { return finished.count(run.key) > 0; });
    if (!task.runs.empty()) tasks.push_back(std::move(task));
  }
  manifest.tasks = std::move(tasks);
  manifest.header.tasks = manifest.tasks.size();
  // The old header goes first (write_manifest writes the new one last), so that no reader
  // pairs the old header with new task files.
  fs::remove(dir / kManifestFile);
  fs::remove_all(dir / "tasks");
  write_manifest(manifest, dir);
  return manifest;
}

ManifestHeader read_manifest(const fs::path& dir) {
  const fs::path file = dir / kManifestFile;
  return read_manifest_file(file, [&](const nlohmann::json& json) {
    ManifestHeader header;
    header.version = json.at("setfit_manifest_version").get<int>();
    if (header.version != ManifestHeader::kVersion) {
      throw Error(
          fmt::format("{}: a manifest of version {}; this setfit reads version {} (plan "
                      "the sweep again with this setfit)",
                      file.string(), header.version, ManifestHeader::kVersion));
    }
    header.sweep_name = json.at("sweep").get<std::string>();
    header.spec_toml = json.at("spec_toml").get<std::string>();
    header.fingerprint = json.at("fingerprint").get<std::string>();
    header.sweep_file = json.value("sweep_file", std::string());
    for (const auto& v : json.at("varied"))
      header.varied.push_back({v.at("key").get<std::string>(), v.at("kind").get<std::string>()});
    header.tasks = json.at("tasks").get<std::size_t>();
    return header;
  });
}

ManifestTask read_manifest_task(const fs::path& dir, std::size_t index) {
  return read_manifest_file(task_file(dir, index), [](const nlohmann::json& json) {
    ManifestTask task;
    for (const auto& r : json.at("runs")) task.runs.push_back(run_from_json(r));
    return task;
  });
}

fs::path task_shard_path(const fs::path& dir, std::size_t index) {
  return dir / "shards" / fmt::format("task-{}.db", index);
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
      prepared.worker_config = parse_toml(run.config_toml, task_file(dir, index).string());
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

std::size_t SweepManifest::run_count() const {
  std::size_t runs = 0;
  for (const auto& task : tasks) runs += task.runs.size();
  return runs;
}

std::vector<std::size_t> SweepManifest::task_indices() const {
  std::vector<std::size_t> indices(tasks.size());
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  return indices;
}

bool TaskShardState::done() const {
  const auto it = counts.find(RunStatus::Finished);
  return published && unreadable.empty() && runs > 0 && it != counts.end() && it->second == runs;
}

std::vector<TaskShardState> manifest_task_states(const fs::path& dir) {
  const ManifestHeader manifest = read_manifest(dir);
  std::vector<TaskShardState> states(manifest.tasks);
  for (std::size_t i = 0; i < manifest.tasks; ++i) {
    const fs::path shard = task_shard_path(dir, i);
    TaskShardState& state = states[i];
    state.published = fs::exists(shard);
    if (!state.published) continue;
    try {
      // Read-only: the shard folder may be on a network file system, where only reading is
      // safe.
      auto store = detail::open_store_read_only(shard);
      SQLite::Statement s(store,
                          "SELECT status, count(*), max(coalesce(scheduler_job, '')) FROM runs "
                          "GROUP BY status");
      while (s.executeStep()) {
        const auto count = static_cast<std::size_t>(s.getColumn(1).getInt64());
        state.counts[run_status_from_string(s.getColumn(0).getString())] = count;
        state.runs += count;
        state.scheduler_job = s.getColumn(2).getString();
      }
    } catch (const std::exception& e) {
      state.unreadable = e.what();
    }
  }
  return states;
}

CollectReport collect_manifest(const fs::path& dir, const fs::path& db) {
  const auto states = manifest_task_states(dir);
  CollectReport report;
  std::vector<fs::path> shards;
  for (std::size_t i = 0; i < states.size(); ++i) {
    const auto& state = states[i];
    if (!state.published) {
      report.missing.push_back(i);
    } else if (!state.unreadable.empty()) {
      report.unreadable.emplace_back(i, state.unreadable);
    } else {
      if (!state.done()) report.incomplete.push_back(i);
      shards.push_back(task_shard_path(dir, i));
    }
  }
  // Earlier plans' stores first: a run the current plan trained again comes last.
  std::vector<fs::path> all;
  for (const auto& folder : earlier_shard_folders(dir)) {
    for (const auto& store : stores_in(folder)) {
      try {
        detail::open_store_read_only(store);
        all.push_back(store);
      } catch (const Error&) {
        // An unreadable earlier store was replaced by the current plan's tasks.
      }
    }
  }
  all.insert(all.end(), shards.begin(), shards.end());
  const ManifestHeader header = read_manifest(dir);
  const CurrentSweepSpec current{header.sweep_name, header.spec_toml, header.fingerprint};
  if (!all.empty()) report.merge = merge_stores(db, all, MergePreference::None, &current);
  return report;
}

}  // namespace setfit
