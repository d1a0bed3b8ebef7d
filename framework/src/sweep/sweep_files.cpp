#include "sweep_files.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "../core/json_file.hpp"
#include "../core/sha256.hpp"
#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit::detail {

LoadedSweep load_sweep(const fs::path& file, const PluginRegistry& registry,
                       const NamedInputs& inputs, std::size_t max_runs,
                       const std::atomic<bool>* stop) {
  LoadedSweep loaded;
  loaded.spec_text = read_text_file(file);
  loaded.sweep = expand_sweep(parse_toml(loaded.spec_text, file.string()), file.string(), max_runs);
  loaded.prepared = prepare_sweep(loaded.sweep, file, registry, inputs, stop);
  std::string keys;
  for (const auto& p : loaded.prepared) keys += p.key + "\n";
  loaded.fingerprint = sha256_hex(keys);
  return loaded;
}

std::string toml_text(const toml::table& config) {
  std::ostringstream out;
  out << config << "\n";
  return out.str();
}

fs::path run_config_file(const fs::path& db, std::int64_t id) {
  return sweep_work_dir(db) / "configs" / fmt::format("run-{}.toml", id);
}

void write_run_config(const fs::path& db, std::int64_t id, const std::string& text) {
  const fs::path file = run_config_file(db, id);
  fs::create_directories(file.parent_path());
  std::ofstream out(file);
  out << text;
  out.close();
  if (!out) throw Error(fmt::format("{}: cannot be written", file.string()));
}

}  // namespace setfit::detail
