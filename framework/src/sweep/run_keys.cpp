// One recipe for run keys and stage-1 keys, for sweeps and `setfit train --db` alike.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "../core/sha256.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/sweep.hpp"
#include "sweep_files.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

// What stage 1 depends on, of a run's records: the data split, the body, the sampler, the
// loss and its settings, the embedding half of the per-stage fields.
bool stage_one_input(const ArgRecord& r) {
  static const std::set<std::string> args = {"seed",           "max_steps",    "sampling_strategy",
                                             "num_iterations", "loss",         "distance_metric",
                                             "margin",         "use_amp",      "warmup_proportion",
                                             "l2_weight",      "logging_steps"};
  if (r.key.rfind("data.", 0) == 0) return r.key != "data.test";
  if (r.key == "model.body") return true;
  if (keyed_only_when_set(r)) return !r.is_default;
  if (r.stage == "embedding") return true;
  return r.stage == "global" && args.count(r.key) > 0;
}

}  // namespace

const std::string& InputFingerprints::file(const fs::path& path) {
  auto& hash = files_[path.string()];
  if (hash.empty()) hash = detail::sha256_file(path);
  return hash;
}

const std::string& InputFingerprints::folder(const fs::path& path) {
  auto& hash = folders_[path.string()];
  if (hash.empty()) {
    // Every file's path and content hash.
    std::vector<std::string> entries;
    for (const auto& entry : fs::recursive_directory_iterator(path)) {
      if (!entry.is_regular_file()) continue;
      entries.push_back(fs::relative(entry.path(), path).string() + "=" +
                        detail::sha256_file(entry.path()));
    }
    std::sort(entries.begin(), entries.end());
    hash = detail::sha256_hex(fmt::format("{}", fmt::join(entries, "\n")));
  }
  return hash;
}

RunKeys run_keys(const RunConfig& config, const fs::path& body_folder,
                 const std::vector<ArgRecord>& records, const ResolvedPlugins& plugins,
                 const PluginRegistry& registry, InputFingerprints& fingerprints) {
  // The text below is hashed as is: changing it changes every stored run's key, so that a
  // resume would rerun everything (tested against a store written by the first release).
  std::string inputs;
  for (const auto& [name, path] :
       {std::pair{"train", config.train}, {"test", config.test}, {"eval", config.eval}}) {
    if (!path.empty()) inputs += fmt::format("{}={}\n", name, fingerprints.file(path));
  }
  const std::string& body_hash = fingerprints.folder(body_folder);
  inputs += "body=" + body_hash + "\n";
  const auto plugin_line = [&](PluginKind kind, const std::string& name) {
    return fmt::format("{}={}@{}\n", to_string(kind), name, registry.find(kind, name).info.version);
  };
  const std::string stage_one_plugins =
      plugin_line(PluginKind::Loss, config.args.loss) +
      plugin_line(PluginKind::Sampler, config.args.sampling_strategy);
  inputs += plugin_line(PluginKind::Head, config.model.head) + stage_one_plugins;
  std::string stage_one = fmt::format("train={}\nbody={}\n{}", fingerprints.file(config.train),
                                      body_hash, stage_one_plugins);
  for (const auto& r : records) {
    if (stage_one_input(r)) stage_one += key_line(r);
    if (r.key.rfind("data.", 0) == 0 || r.key == "model.body") continue;  // hashed above
    if (in_run_key(r, plugins)) inputs += key_line(r);
  }
  RunKeys keys;
  keys.key = detail::sha256_hex(inputs);
  const bool shareable = !config.args.end_to_end && config.args.eval_strategy == "no" &&
                         config.args.save_strategy == "no" && config.args.num_epochs.embedding > 0;
  keys.stage1_key = shareable ? detail::sha256_hex(stage_one) : keys.key;
  return keys;
}

fs::path sweep_work_dir(const fs::path& db) {
  return fs::path(db.string() + ".work");
}

void write_unit_configs(const std::vector<PreparedRun>& runs, const std::vector<std::int64_t>& ids,
                        const WorkUnit& unit, const fs::path& db) {
  for (auto index : unit.runs)
    detail::write_run_config(db, ids[index], detail::toml_text(runs[index].worker_config));
}

}  // namespace setfit
