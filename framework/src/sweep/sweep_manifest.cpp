// The manifest of a sweep planned for tasks that run elsewhere, the task side (train into a
// local store, publish it) and collecting the published stores.

#include "setfit/sweep_manifest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "../core/json_file.hpp"
#include "../results/results_store.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/run_recorder.hpp"
#include "setfit/run_store.hpp"
#include "setfit/runtime.hpp"
#include "sweep_files.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

constexpr const char* kManifestFile = "manifest.json";

nlohmann::json to_json(const ManifestRun& run) {
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : run.records) {
    records.push_back({{"key", r.key},
                       {"stage", r.stage},
                       {"text", r.value_text},
                       {"number", r.value_num ? nlohmann::json(*r.value_num) : nlohmann::json()},
                       {"default", r.is_default}});
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
    ArgRecord record{r.at("key").get<std::string>(), r.at("stage").get<std::string>(),
                     r.at("text").get<std::string>(), std::nullopt, r.at("default").get<bool>()};
    if (!r.at("number").is_null()) record.value_num = r.at("number").get<double>();
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
    detail::write_json_file(task_file(dir, i), {{"runs", runs}});
  }
  // The header last: a manifest whose header exists has all its tasks.
  const ManifestHeader& h = manifest.header;
  nlohmann::json varied = nlohmann::json::array();
  for (const auto& v : h.varied) varied.push_back({{"key", v.key}, {"kind", v.kind}});
  detail::write_json_file(dir / kManifestFile, {{"setfit_manifest_version", h.version},
                                                {"sweep", h.sweep_name},
                                                {"spec_toml", h.spec_toml},
                                                {"fingerprint", h.fingerprint},
                                                {"varied", varied},
                                                {"tasks", manifest.tasks.size()}});
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
                       const fs::path& scratch) {
  const ManifestHeader manifest = read_manifest(dir);
  if (index >= manifest.tasks) {
    throw UsageError(fmt::format("{}: no task {}; the manifest has tasks 0 to {}", dir.string(),
                                 index, manifest.tasks - 1));
  }
  const ManifestTask task = read_manifest_task(dir, index);
  // A fresh store of this task's own on local disk; a retried task starts over.
  const fs::path local = scratch / fmt::format("setfit-task-{}-{}", index, getpid());
  fs::remove_all(local);
  fs::create_directories(local);
  const fs::path shard = local / fmt::format("task-{}.db", index);
  // The local store goes when the task ends, published or not (a failed task leaves nothing
  // behind on the node; its runs are what `collect` reports as missing).
  struct RemoveWhenDone {
    fs::path path;
    bool keep = false;
    ~RemoveWhenDone() {
      std::error_code ec;
      if (!keep) fs::remove_all(path, ec);
    }
  } cleanup{local};
  std::vector<std::int64_t> ids;
  {
    auto store = RunStore::open(shard);
    const auto sweep_id =
        store->ensure_sweep(manifest.sweep_name, manifest.spec_toml, manifest.fingerprint);
    store->record_varied(sweep_id, manifest.varied);
    const std::string host = host_name();
    for (const auto& run : task.runs) {
      ids.push_back(store->ensure_run(sweep_id, run.key));
      store->start_run(ids.back(), getpid(), host);
      store->set_stage1(ids.back(), run.stage1_key, ids.front());
      describe_run(*store, ids.back(), run.records, run.plugins, registry);
      detail::write_run_config(shard, ids.back(), run.config_toml);
    }
  }
  log::info("task {}: {} run{} of sweep '{}', {} thread{}", index, ids.size(),
            ids.size() == 1 ? "" : "s", manifest.sweep_name, runtime::threads(),
            runtime::threads() == 1 ? "" : "s");
  const bool finished = run_sweep_worker(shard, ids, registry);
  // Published whole: copied beside its final name, then renamed over it.
  const fs::path published = task_shard_path(dir, index);
  const fs::path partial = published.string() + fmt::format(".partial-{}", getpid());
  try {
    fs::copy_file(shard, partial, fs::copy_options::overwrite_existing);
    fs::rename(partial, published);
  } catch (const fs::filesystem_error& e) {
    cleanup.keep = true;  // the trained store is not lost: it stays where it was written
    std::error_code ec;
    fs::remove(partial, ec);
    throw Error(fmt::format("{}: cannot publish task {}'s store ({}); it is kept at {}",
                            published.parent_path().string(), index, e.code().message(),
                            shard.string()));
  }
  log::info("task {}: published {}", index, published.string());
  return finished;
}

CollectReport collect_manifest(const fs::path& dir, const fs::path& db) {
  const ManifestHeader manifest = read_manifest(dir);
  CollectReport report;
  std::vector<fs::path> shards;
  for (std::size_t i = 0; i < manifest.tasks; ++i) {
    const fs::path shard = task_shard_path(dir, i);
    if (!fs::exists(shard)) {
      report.missing.push_back(i);
      continue;
    }
    // Read-only: the shard folder may be on a network file system, where only reading is safe.
    auto store = detail::open_store_read_only(shard);
    if (store.execAndGet("SELECT count(*) FROM runs WHERE status != 'FINISHED'").getInt() > 0)
      report.incomplete.push_back(i);
    shards.push_back(shard);
  }
  if (!shards.empty()) report.merge = merge_stores(db, shards);
  return report;
}

}  // namespace setfit
