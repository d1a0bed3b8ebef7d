#pragma once

// What every way of running a sweep shares: reading it (expanded, prepared, fingerprinted as
// the store records it) and the resolved config file a worker trains each run from.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "setfit/sweep.hpp"

namespace setfit::detail {

struct LoadedSweep {
  std::string spec_text;
  ExpandedSweep sweep;
  std::vector<PreparedRun> prepared;  // empty when `stop` came while preparing
  std::string fingerprint;            // of the run keys: what the store records the spec by
};
LoadedSweep load_sweep(const std::filesystem::path& file, const PluginRegistry& registry,
                       const NamedInputs& inputs, std::size_t max_runs,
                       const std::atomic<bool>* stop = nullptr);

// A config as TOML text, as a worker reads it back.
std::string toml_text(const toml::table& config);

// Where a worker reads run `id`'s resolved config: sweep_work_dir(db)/configs/run-ID.toml.
std::filesystem::path run_config_file(const std::filesystem::path& db, std::int64_t id);
// Writes it (the folder created); throws setfit::Error naming the file when it cannot.
void write_run_config(const std::filesystem::path& db, std::int64_t id, const std::string& text);

}  // namespace setfit::detail
