// The data of a report, gathered with the results library: one JSON document that the
// page's script draws from.
#include "report_data.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "../results/config_groups.hpp"
#include "../results/results_store.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"

namespace setfit::detail {
namespace {

using nlohmann::json;

// JSON has no NaN or infinities: they are written as null, as `results --format json` does.
json number(double value) {
  return std::isfinite(value) ? json(value) : json(nullptr);
}

json cell_json(const ResultCell& cell) {
  if (const auto* value = std::get_if<double>(&cell)) return number(*value);
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  return nullptr;
}

json table_json(const ResultTable& table) {
  json rows = json::array();
  for (const auto& row : table.rows) {
    json line = json::array();
    for (const auto& cell : row) line.push_back(cell_json(cell));
    rows.push_back(std::move(line));
  }
  return {{"columns", table.columns}, {"rows", std::move(rows)}};
}

bool cell_less(const ResultCell& a, const ResultCell& b) {
  const auto* x = std::get_if<double>(&a);
  const auto* y = std::get_if<double>(&b);
  if (x && y) return *x < *y;
  if (x || y) return x != nullptr;  // numbers before texts
  const auto* s = std::get_if<std::string>(&a);
  const auto* t = std::get_if<std::string>(&b);
  return s && t ? *s < *t : s != nullptr;
}

// The metric against one param: mean, std and n over the finished runs with each value.
json parameter_series(const ResultSet& results, const std::string& param) {
  CompareOptions options;
  options.group_by = {param};
  options.aggregates = {Aggregate::Mean, Aggregate::Std, Aggregate::N};
  ResultTable table = compare_configs(results, options);
  // Columns: config, the param, mean, std, n. Drawn in the param's order, not the rank's.
  std::stable_sort(table.rows.begin(), table.rows.end(),
                   [](const auto& a, const auto& b) { return cell_less(a[1], b[1]); });
  json points = json::array();
  for (const auto& row : table.rows) {
    points.push_back({{"value", cell_json(row[1])},
                      {"mean", cell_json(row[2])},
                      {"std", cell_json(row[3])},
                      {"n", cell_json(row[4])}});
  }
  return {{"name", param}, {"points", std::move(points)}};
}

// At most `limit` of the points, evenly spaced, the first and the last kept.
json thin(const std::vector<std::pair<std::int64_t, json>>& points, std::size_t limit) {
  json out = json::array();
  const std::size_t n = points.size();
  const std::size_t keep = limit < 2 ? n : std::min(n, limit);
  for (std::size_t i = 0; i < keep; ++i) {
    const std::size_t at = keep == n ? i : (i * (n - 1) + (keep - 1) / 2) / (keep - 1);
    out.push_back(json::array({points[at].first, points[at].second}));
  }
  return out;
}

// The finished runs best first by the sweep's metric (runs without it last).
std::vector<const ResultRun*> ranked_runs(const ResultSet& results) {
  std::vector<const ResultRun*> runs;
  for (const auto& run : results.runs) {
    if (run.status == RunStatus::Finished) runs.push_back(&run);
  }
  const bool maximize = detail::maximize(results.direction);
  const auto score = [&](const ResultRun* run) {
    const auto it = run->metrics.find(results.metric);
    return it == run->metrics.end() ? std::nan("") : it->second;
  };
  std::stable_sort(runs.begin(), runs.end(), [&](const ResultRun* a, const ResultRun* b) {
    return ranks_before(score(a), score(b), maximize);
  });
  return runs;
}

// Loss and evaluation curves of the best runs, from the store's metric rows.
json curves_json(const std::filesystem::path& db, const ResultSet& results,
                 const ReportOptions& options, ReportSummary& summary) {
  const auto runs = ranked_runs(results);
  const std::size_t drawn =
      options.curve_runs == 0 ? runs.size() : std::min(runs.size(), options.curve_runs);
  json loss = json::array(), eval = json::array();
  SQLite::Database store = open_store_read_only(db);
  SQLite::Statement query(store,
                          "SELECT stage, key, step, value, is_nan FROM metrics WHERE run_id = ? "
                          "ORDER BY stage, key, step");
  for (std::size_t i = 0; i < drawn; ++i) {
    const ResultRun& run = *runs[i];
    std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::int64_t, json>>>
        series;
    query.reset();
    query.bind(1, run.id);
    while (query.executeStep()) {
      const bool missing = query.getColumn(4).getInt() == 1 || query.getColumn(3).isNull();
      series[{query.getColumn(0).getString(), query.getColumn(1).getString()}].emplace_back(
          query.getColumn(2).getInt64(),
          missing ? json(nullptr) : number(query.getColumn(3).getDouble()));
    }
    for (const auto& [name, points] : series) {
      const auto& [stage, key] = name;
      const bool is_loss = key == "loss";
      std::string label = fmt::format("run {} {}", run.id, stage);
      if (!is_loss) label += " " + key;
      json entry = {{"run", run.id},
                    {"stage", stage},
                    {"key", key},
                    {"label", label},
                    {"points", thin(points, options.curve_points)}};
      (is_loss ? loss : eval).push_back(std::move(entry));
    }
  }
  summary.curve_runs = drawn;
  return {{"runs_total", runs.size()}, {"runs_drawn", drawn}, {"loss", loss}, {"eval", eval}};
}

json failed_runs(const ResultSet& results) {
  json out = json::array();
  for (const auto& run : results.runs) {
    if (run.status == RunStatus::Failed || run.status == RunStatus::Diverged ||
        run.status == RunStatus::Killed) {
      out.push_back({{"id", run.id},
                     {"status", std::string(to_string(run.status))},
                     {"stage", run.error_stage},
                     {"error", run.error}});
    }
  }
  return out;
}

std::string report_title(const std::filesystem::path& db, const ResultSet& results) {
  const auto& runs = results.runs;
  const bool one_sweep = std::all_of(runs.begin(), runs.end(), [&](const ResultRun& run) {
    return run.sweep == runs.front().sweep;
  });
  if (one_sweep && !runs.front().sweep.empty()) return "sweep " + runs.front().sweep;
  return db.filename().string();
}

// '<' only occurs inside JSON strings, where \u003c means the same; so no "</script>" or
// "<!--" can end the element the data sits in.
std::string script_safe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string report_data_json(const std::filesystem::path& db, const ReportOptions& options,
                             ReportSummary& summary) {
  const ResultSet results = load_results(db, ResultQuery(options.sweep, options.where));
  if (results.runs.empty()) {
    throw Error(fmt::format("{}: no runs to report{}", db.string(),
                            options.sweep.empty() && options.where.empty()
                                ? ""
                                : " in this selection (check --sweep and --where)"));
  }
  // Without a finished run that has the metric there is nothing to rank or draw against
  // the params; the failed runs are still worth a report.
  const bool has_metric = std::find(results.metrics.begin(), results.metrics.end(),
                                    results.metric) != results.metrics.end();
  ResultTable leaderboard;
  json parameters = json::array();
  if (has_metric) {
    leaderboard = compare_configs(results, CompareOptions{});
    for (const auto& param : resolve_group_by(results, {}))
      parameters.push_back(parameter_series(results, param));
  } else {
    leaderboard.columns = {"config"};
    for (const auto& param : resolve_group_by(results, {})) leaderboard.columns.push_back(param);
    for (const char* aggregate : {"mean", "std", "n"})
      leaderboard.columns.push_back(fmt::format("metrics.{}.{}", results.metric, aggregate));
  }

  json data;
  data["title"] = report_title(db, results);
  data["store"] = db.filename().string();
  data["generated"] =
      fmt::format("{:%Y-%m-%d %H:%M:%S} UTC",
                  std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  data["metric"] = results.metric;
  data["direction"] = results.direction;
  data["runs"] = results.runs.size();
  data["finished"] = std::count_if(results.runs.begin(), results.runs.end(), [](const auto& run) {
    return run.status == RunStatus::Finished;
  });
  data["leaderboard"] = table_json(leaderboard);
  data["leaderboard_rows"] = options.leaderboard_rows;
  data["parameters"] = std::move(parameters);
  data["curves"] = curves_json(db, results, options, summary);
  data["failed"] = failed_runs(results);

  summary.runs = results.runs.size();
  summary.configs = leaderboard.rows.size();
  summary.failed = data["failed"].size();
  summary.parameters = data["parameters"].size();
  return script_safe(data.dump());
}

}  // namespace setfit::detail
