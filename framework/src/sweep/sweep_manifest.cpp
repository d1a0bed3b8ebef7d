// The manifest folder of a sweep planned for tasks that run elsewhere: its files, what the
// tasks published, and collecting the published stores. Needs no LibTorch (the thin front
// end's `sweep status` and `sweep collect` read it); planning and running a task are in
// sweep_manifest_tasks.cpp.

#include "setfit/sweep_manifest.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "../core/json_file.hpp"
#include "../results/results_store.hpp"
#include "manifest_files.hpp"
#include "setfit/errors.hpp"
#include "setfit/run_store.hpp"

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

namespace detail {
fs::path manifest_task_file(const fs::path& dir, std::size_t index) {
  return dir / "tasks" / fmt::format("task-{}.json", index);
}
}  // namespace detail

using detail::manifest_task_file;

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
    detail::write_json_file(manifest_task_file(dir, i), {{"runs", runs}}, /*indent=*/-1);
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
  return read_manifest_file(manifest_task_file(dir, index), [](const nlohmann::json& json) {
    ManifestTask task;
    for (const auto& r : json.at("runs")) task.runs.push_back(run_from_json(r));
    return task;
  });
}

fs::path task_shard_path(const fs::path& dir, std::size_t index) {
  return dir / "shards" / fmt::format("task-{}.db", index);
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
