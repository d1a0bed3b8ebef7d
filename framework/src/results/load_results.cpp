// Reading a selection of a run store for results: runs, params and summaries, read-only.

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "results_store.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"
#include "setfit/sweep.hpp"
#include "where_filter.hpp"

namespace fs = std::filesystem;

namespace setfit {

namespace detail {

SQLite::Database open_store_read_only(const fs::path& db) {
  std::error_code ec;
  if (!fs::is_regular_file(db, ec))
    throw Error(fmt::format("{}: no such run store (expected a file made by setfit)", db.string()));
  try {
    SQLite::Database handle(db.string(), SQLite::OPEN_READONLY);
    const int version = handle.execAndGet("PRAGMA user_version").getInt();
    if (version > RunStore::kSchemaVersion) {
      throw Error(fmt::format(
          "{}: the run store is at schema version {}, newer than this setfit ({}); upgrade setfit",
          db.string(), version, RunStore::kSchemaVersion));
    }
    if (version < 1 || !handle.tableExists("runs"))
      throw Error(fmt::format("{}: an SQLite file, but not a setfit run store", db.string()));
    return handle;
  } catch (const SQLite::Exception& e) {
    throw Error(fmt::format("{}: not a setfit run store ({})", db.string(), e.what()));
  }
}

}  // namespace detail

namespace {

std::string param_name(const std::string& key, const std::string& stage) {
  return stage == "global" ? "params." + key : fmt::format("params.{}.{}", stage, key);
}

// The param columns a sweep's varied key names: "args.batch_size" names
// params.batch_size, params.embedding.batch_size and params.classifier.batch_size;
// "args.body_learning_rate[embedding]" only params.embedding.body_learning_rate;
// "model.head" params.model.head and its staged forms.
std::vector<std::string> columns_declared_by(const std::string& key) {
  std::string path = key, stage;
  if (const auto open = path.find('['); open != std::string::npos) {
    stage = path.substr(open + 1, path.size() - open - 2);
    path = path.substr(0, open);
  }
  if (path.rfind("args.", 0) == 0) path = path.substr(5);
  std::vector<std::string> names;
  if (stage.empty()) names.push_back("params." + path);
  for (const char* s : {"embedding", "classifier"}) {
    if (stage.empty() || stage == s) names.push_back(fmt::format("params.{}.{}", s, path));
  }
  return names;
}

// The key column of params for a varied key: the path without "args." and the stage.
std::string stored_key_of(const std::string& key) {
  std::string path = key.substr(0, key.find('['));
  return path.rfind("args.", 0) == 0 ? path.substr(5) : path;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

ResultSet load_results(const fs::path& db, const ResultQuery& query) {
  auto handle = detail::open_store_read_only(db);
  ResultSet out;
  std::optional<std::int64_t> sweep_id;
  if (!query.sweep.empty()) {
    SQLite::Statement find(handle,
                           "SELECT id, spec_toml FROM sweeps WHERE name = ? OR "
                           "CAST(id AS TEXT) = ? ORDER BY name = ? DESC LIMIT 1");
    find.bind(1, query.sweep);
    find.bind(2, query.sweep);
    find.bind(3, query.sweep);
    if (!find.executeStep()) {
      std::vector<std::string> names;
      SQLite::Statement all(handle, "SELECT name FROM sweeps ORDER BY id");
      while (all.executeStep()) names.push_back(all.getColumn(0).getString());
      throw Error(fmt::format(
          "{}: no sweep named '{}'; the store has: {}", db.string(), query.sweep,
          names.empty() ? std::string("no sweeps") : fmt::format("{}", fmt::join(names, ", "))));
    }
    sweep_id = find.getColumn(0).getInt64();
  }
  // The metric and direction the sweep declared (defaults as in SweepHeader): the selected
  // sweep's, or the only sweep's when the store has one.
  {
    SQLite::Statement specs(handle, sweep_id ? "SELECT spec_toml FROM sweeps WHERE id = ?"
                                             : "SELECT spec_toml FROM sweeps");
    if (sweep_id) specs.bind(1, *sweep_id);
    std::vector<std::string> texts;
    while (specs.executeStep()) texts.push_back(specs.getColumn(0).getString());
    if (texts.size() == 1) {
      try {
        const auto spec = toml::parse(texts.front());
        const SweepHeader header;
        out.metric = spec["sweep"]["metric"].value_or(header.metric);
        out.direction = spec["sweep"]["direction"].value_or(header.direction);
      } catch (const toml::parse_error&) {
        // A spec that no longer parses keeps the defaults.
      }
    }
  }
  const std::string in_selection =
      sweep_id ? "WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?)" : "";
  detail::CompiledFilter filter;
  if (!query.where.empty()) {
    // The names the expression may use: the selection's params and metrics.
    detail::FilterNames names;
    SQLite::Statement params(
        handle,
        fmt::format("SELECT DISTINCT key, stage FROM params {} ORDER BY 1, 2", in_selection));
    if (sweep_id) params.bind(1, *sweep_id);
    while (params.executeStep()) {
      const std::string key = params.getColumn(0).getString(),
                        stage = params.getColumn(1).getString();
      names.params.push_back({param_name(key, stage), key, stage});
    }
    SQLite::Statement metrics(
        handle, fmt::format("SELECT DISTINCT key FROM run_summary {} ORDER BY 1", in_selection));
    if (sweep_id) metrics.bind(1, *sweep_id);
    while (metrics.executeStep()) names.metrics.push_back(metrics.getColumn(0).getString());
    filter = detail::compile_where(query.where, names);
  }
  std::vector<std::string> conditions;
  if (sweep_id) conditions.push_back("r.sweep_id = ?");
  if (!filter.sql.empty()) conditions.push_back(filter.sql);
  const std::string where =
      conditions.empty() ? "" : fmt::format("WHERE {}", fmt::join(conditions, " AND "));
  std::unordered_map<std::int64_t, std::size_t> index_of;
  {
    SQLite::Statement runs(
        handle, fmt::format("SELECT r.id, coalesce(s.name, ''), r.status, "
                            "(julianday(r.finished_at) - julianday(r.started_at)) * 86400.0, "
                            "coalesce(r.error_stage, ''), coalesce(r.error, '') FROM runs r "
                            "LEFT JOIN sweeps s ON s.id = r.sweep_id {} ORDER BY r.id",
                            where));
    int next = 1;
    if (sweep_id) runs.bind(next++, *sweep_id);
    for (const auto& value : filter.bindings) {
      if (const auto* number = std::get_if<double>(&value))
        runs.bind(next++, *number);
      else
        runs.bind(next++, std::get<std::string>(value));
    }
    while (runs.executeStep()) {
      ResultRun run;
      run.id = runs.getColumn(0).getInt64();
      run.sweep = runs.getColumn(1).getString();
      run.status = run_status_from_string(runs.getColumn(2).getString());
      if (!runs.getColumn(3).isNull()) run.duration_s = runs.getColumn(3).getDouble();
      run.error_stage = runs.getColumn(4).getString();
      run.error = first_line(runs.getColumn(5).getString());
      index_of[run.id] = out.runs.size();
      out.runs.push_back(std::move(run));
    }
  }
  // What the sweep varies (store schema 3): the selected sweep's, or the only sweep's when
  // every run in the store belongs to it. Only those count as varied, so that a parameter
  // changed as a consequence (the sampler a loss switches to, a data set's path) stays out.
  std::vector<std::string> declared;
  if (handle.tableExists("sweep_varied")) {
    std::optional<std::int64_t> declaring = sweep_id;
    if (!declaring) {
      SQLite::Statement only(handle,
                             "SELECT min(id) FROM sweeps HAVING count(*) = 1 AND NOT EXISTS "
                             "(SELECT 1 FROM runs WHERE sweep_id IS NULL)");
      if (only.executeStep()) declaring = only.getColumn(0).getInt64();
    }
    if (declaring) {
      SQLite::Statement varied(handle, "SELECT key FROM sweep_varied WHERE sweep_id = ?");
      varied.bind(1, *declaring);
      while (varied.executeStep()) declared.push_back(varied.getColumn(0).getString());
    }
  }
  std::unordered_set<std::string> declared_columns;
  for (const auto& key : declared) {
    for (auto& name : columns_declared_by(key)) declared_columns.insert(std::move(name));
  }
  auto is_declared = [&](const std::string& name) { return declared_columns.count(name) > 0; };
  // Which params to read per run. With varied_only and a declaration: the declared ones.
  // Otherwise those with two values or missing in some runs; a param with one value
  // everywhere is kept once, as a constant (reading it 10,000 times would dominate).
  std::vector<std::string> per_run;
  std::string per_run_column = "key || '|' || stage";
  if (query.varied_only && !declared.empty()) {
    per_run_column = "key";
    std::set<std::string> keys;
    for (const auto& key : declared) keys.insert(stored_key_of(key));
    per_run.assign(keys.begin(), keys.end());
  } else {
    SQLite::Statement count(
        handle, fmt::format("SELECT count(*) FROM runs {}", sweep_id ? "WHERE sweep_id = ?" : ""));
    if (sweep_id) count.bind(1, *sweep_id);
    count.executeStep();
    const std::int64_t total = count.getColumn(0).getInt64();
    SQLite::Statement stats(handle,
                            fmt::format("SELECT key, stage, count(DISTINCT value_text), count(*), "
                                        "min(value_text) FROM params {} GROUP BY key, stage",
                                        in_selection));
    if (sweep_id) stats.bind(1, *sweep_id);
    while (stats.executeStep()) {
      const std::string key = stats.getColumn(0).getString(),
                        stage = stats.getColumn(1).getString();
      if (stats.getColumn(2).getInt64() == 1 && stats.getColumn(3).getInt64() == total)
        out.constants[param_name(key, stage)] = stats.getColumn(4).getString();
      else
        per_run.push_back(key + "|" + stage);
    }
  }
  if (!per_run.empty()) {
    std::string wanted = "?";
    for (std::size_t i = 1; i < per_run.size(); ++i) wanted += ", ?";
    SQLite::Statement params(
        handle, fmt::format("SELECT run_id, key, stage, value_text FROM params {} {} "
                            "{} IN ({})",
                            in_selection, sweep_id ? "AND" : "WHERE", per_run_column, wanted));
    int next = 1;
    if (sweep_id) params.bind(next++, *sweep_id);
    for (const auto& name : per_run) params.bind(next++, name);
    const bool only_declared = per_run_column == "key";
    while (params.executeStep()) {
      const auto it = index_of.find(params.getColumn(0).getInt64());
      if (it == index_of.end()) continue;
      std::string name =
          param_name(params.getColumn(1).getString(), params.getColumn(2).getString());
      if (only_declared && !is_declared(name)) continue;
      out.runs[it->second].params[std::move(name)] = params.getColumn(3).getString();
    }
  }
  std::set<std::string> metrics;
  {
    SQLite::Statement summary(
        handle, fmt::format("SELECT run_id, key, value, is_nan FROM run_summary {}", in_selection));
    if (sweep_id) summary.bind(1, *sweep_id);
    while (summary.executeStep()) {
      const auto it = index_of.find(summary.getColumn(0).getInt64());
      if (it == index_of.end()) continue;
      const std::string key = summary.getColumn(1).getString();
      const double value = summary.getColumn(3).getInt() != 0
                               ? std::numeric_limits<double>::quiet_NaN()
                               : summary.getColumn(2).getDouble();
      out.runs[it->second].metrics[key] = value;
      metrics.insert(key);
    }
  }
  out.metrics.assign(metrics.begin(), metrics.end());
  // What varies within the selection: a param with two values among the runs that have it
  // (a head's own parameters exist only in its runs, at one value: they do not vary).
  std::map<std::string, std::set<std::string>> values;
  for (const auto& run : out.runs) {
    for (const auto& [name, value] : run.params) values[name].insert(value);
  }
  for (const auto& [name, seen] : values) {
    if (seen.size() < 2) continue;
    if (!declared.empty() && !is_declared(name)) continue;
    out.varied.push_back(name);
  }
  return out;
}

std::string ResultSet::value_of(const ResultRun& run, const std::string& param) const {
  if (const auto it = run.params.find(param); it != run.params.end()) return it->second;
  if (const auto it = constants.find(param); it != constants.end()) return it->second;
  return "";
}

std::vector<std::string> ResultSet::param_names() const {
  std::set<std::string> names;
  for (const auto& [name, value] : constants) names.insert(name);
  for (const auto& run : runs) {
    for (const auto& [name, value] : run.params) names.insert(name);
  }
  return {names.begin(), names.end()};
}

}  // namespace setfit
