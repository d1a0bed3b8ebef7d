// The result tables: runs, configurations over seeds, the best ones.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "../core/nearest_name.hpp"
#include "result_cell.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"

namespace setfit {
namespace {

constexpr const char* kSeed = "params.seed";

// Student's t quantile for a two-sided 95% interval with `df` degrees of freedom: the
// tabulated values up to 30, then the Cornish-Fisher expansion around the normal quantile
// (accurate to about 1e-4 there).
double t_quantile_975(std::size_t df) {
  static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                 2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                 2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                 2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < std::size(table)) return table[df];
  const double z = 1.959964, n = static_cast<double>(df);
  return z + (std::pow(z, 3) + z) / (4 * n) +
         (5 * std::pow(z, 5) + 16 * std::pow(z, 3) + 3 * z) / (96 * n * n);
}

double aggregate(const std::vector<double>& values, Aggregate kind) {
  const double n = static_cast<double>(values.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (kind == Aggregate::N) return n;
  if (values.empty()) return nan;
  double mean = 0;
  for (double v : values) mean += v;
  mean /= n;
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  const double std = values.size() > 1 ? std::sqrt(ss / (n - 1)) : nan;
  switch (kind) {
    case Aggregate::Mean:
      return mean;
    case Aggregate::Std:
      return std;
    case Aggregate::Sem:
      return std / std::sqrt(n);
    case Aggregate::Min:
      return *std::min_element(values.begin(), values.end());
    case Aggregate::Max:
      return *std::max_element(values.begin(), values.end());
    case Aggregate::Ci95:
      return values.size() > 1 ? t_quantile_975(values.size() - 1) * std / std::sqrt(n) : nan;
    case Aggregate::N:
      break;
  }
  return nan;
}

void check_name(const std::string& name, const std::vector<std::string>& known,
                const std::string& what) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return;
  throw UsageError(
      fmt::format("unknown {} '{}'{}; known: {}", what, name, detail::did_you_mean(name, known),
                  known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
}

bool maximize(const std::string& direction) {
  if (direction == "maximize" || direction == "max") return true;
  if (direction == "minimize" || direction == "min") return false;
  throw UsageError(fmt::format("direction must be max or min, got '{}'", direction));
}

std::vector<std::string> default_group_by(const ResultSet& results) {
  std::vector<std::string> out;
  for (const auto& name : results.varied) {
    if (name != kSeed) out.push_back(name);
  }
  return out;
}

struct Group {
  std::vector<std::string> key;  // the group-by values
  std::vector<const ResultRun*> runs;
};

std::vector<Group> group_finished(const ResultSet& results, const std::vector<std::string>& by) {
  std::vector<Group> groups;
  std::map<std::vector<std::string>, std::size_t> index;
  for (const auto& run : results.runs) {
    if (run.status != RunStatus::Finished) continue;
    std::vector<std::string> key;
    for (const auto& name : by) key.push_back(results.value_of(run, name));
    const auto [it, added] = index.emplace(key, groups.size());
    if (added) groups.push_back({key, {}});
    groups[it->second].runs.push_back(&run);
  }
  return groups;
}

std::vector<double> metric_values(const Group& group, const std::string& metric) {
  std::vector<double> values;
  for (const ResultRun* run : group.runs) {
    const auto it = run->metrics.find(metric);
    if (it != run->metrics.end()) values.push_back(it->second);
  }
  return values;
}

// Sorts rows by a numeric column, NaN and empty cells last.
void sort_rows(std::vector<std::vector<ResultCell>>& rows, std::size_t column, bool descending) {
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    const double* x = std::get_if<double>(&a[column]);
    const double* y = std::get_if<double>(&b[column]);
    const bool x_ok = x && !std::isnan(*x), y_ok = y && !std::isnan(*y);
    if (x_ok != y_ok) return x_ok;
    if (!x_ok) return false;
    return descending ? *x > *y : *x < *y;
  });
}

}  // namespace

namespace detail {

ResultCell cell_of(const std::string& value) {
  if (value.empty()) return std::monostate{};
  char* end = nullptr;
  const double number = std::strtod(value.c_str(), &end);
  if (end != value.c_str() && *end == '\0') return number;
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    return value.substr(1, value.size() - 2);
  return value;
}

}  // namespace detail

Aggregate aggregate_from_string(const std::string& name) {
  for (auto kind : {Aggregate::Mean, Aggregate::Std, Aggregate::Sem, Aggregate::Min, Aggregate::Max,
                    Aggregate::N, Aggregate::Ci95}) {
    if (to_string(kind) == name) return kind;
  }
  throw UsageError(
      fmt::format("unknown aggregate '{}'; known: mean, std, sem, min, max, n, ci95", name));
}

std::string to_string(Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::Mean:
      return "mean";
    case Aggregate::Std:
      return "std";
    case Aggregate::Sem:
      return "sem";
    case Aggregate::Min:
      return "min";
    case Aggregate::Max:
      return "max";
    case Aggregate::N:
      return "n";
    case Aggregate::Ci95:
      return "ci95";
  }
  return "?";
}

ResultTable list_runs(const ResultSet& results, const std::string& sort, std::size_t limit) {
  ResultTable table;
  table.columns = {"id", "status"};
  if (results.runs.size() > 0 && !results.runs.front().sweep.empty()) {
    const bool one_sweep =
        std::all_of(results.runs.begin(), results.runs.end(),
                    [&](const ResultRun& r) { return r.sweep == results.runs.front().sweep; });
    if (!one_sweep) table.columns.push_back("sweep");
  }
  for (const auto& name : results.varied) table.columns.push_back(name);
  for (const auto& metric : results.metrics) table.columns.push_back("metrics." + metric);
  table.columns.push_back("duration_s");
  table.columns.push_back("error");
  for (const auto& run : results.runs) {
    std::vector<ResultCell> row = {static_cast<double>(run.id), std::string(to_string(run.status))};
    if (table.columns[2] == "sweep") row.push_back(run.sweep);
    for (const auto& name : results.varied) {
      const auto it = run.params.find(name);
      row.emplace_back(std::monostate{});
      if (it != run.params.end()) row.back() = detail::cell_of(it->second);
    }
    for (const auto& metric : results.metrics) {
      const auto it = run.metrics.find(metric);
      row.emplace_back(std::monostate{});
      if (it != run.metrics.end()) row.back() = it->second;
    }
    row.emplace_back(std::monostate{});
    if (run.duration_s) row.back() = *run.duration_s;
    row.emplace_back(std::monostate{});
    if (!run.error.empty()) row.back() = fmt::format("{}: {}", run.error_stage, run.error);
    table.rows.push_back(std::move(row));
  }
  if (!sort.empty()) {
    std::string column = sort;
    if (std::find(table.columns.begin(), table.columns.end(), column) == table.columns.end()) {
      // Short names: "accuracy" for metrics.accuracy, "batch_size" for params.*.batch_size.
      std::vector<std::string> matches;
      for (const auto& c : table.columns) {
        if (c.size() > sort.size() &&
            c.compare(c.size() - sort.size() - 1, std::string::npos, "." + sort) == 0)
          matches.push_back(c);
      }
      if (matches.size() == 1)
        column = matches.front();
      else if (matches.size() > 1)
        throw UsageError(
            fmt::format("--sort '{}' is ambiguous: {}", sort, fmt::join(matches, ", ")));
      else
        check_name(sort, table.columns, "column");
    }
    const auto index = static_cast<std::size_t>(
        std::find(table.columns.begin(), table.columns.end(), column) - table.columns.begin());
    // Metrics sort best first in the sweep's direction; everything else ascending.
    const bool descending = column.rfind("metrics.", 0) == 0 && maximize(results.direction);
    sort_rows(table.rows, index, descending);
  }
  if (limit > 0 && table.rows.size() > limit) table.rows.resize(limit);
  return table;
}

ResultTable compare_configs(const ResultSet& results, const CompareOptions& options) {
  std::vector<std::string> by =
      options.group_by.empty() ? default_group_by(results) : options.group_by;
  const std::vector<std::string> params = results.param_names();
  for (auto& name : by) {
    if (std::find(params.begin(), params.end(), name) != params.end()) continue;
    // A short name: the one param ending in ".NAME".
    std::vector<std::string> matches;
    for (const auto& p : params) {
      if (p.size() > name.size() &&
          p.compare(p.size() - name.size() - 1, std::string::npos, "." + name) == 0)
        matches.push_back(p);
    }
    if (matches.size() != 1) {
      if (matches.size() > 1)
        throw UsageError(
            fmt::format("--group-by '{}' is ambiguous: {}", name, fmt::join(matches, ", ")));
      check_name(name, params, "parameter");
    }
    name = matches.front();
  }
  std::vector<std::string> metrics =
      options.metrics.empty() ? std::vector<std::string>{results.metric} : options.metrics;
  for (auto& metric : metrics) {
    if (metric.rfind("metrics.", 0) == 0) metric = metric.substr(8);
    check_name(metric, results.metrics, "metric");
  }
  ResultTable table;
  table.columns.push_back("config");
  for (const auto& name : by) table.columns.push_back(name);
  for (const auto& metric : metrics) {
    for (auto kind : options.aggregates)
      table.columns.push_back(fmt::format("metrics.{}.{}", metric, to_string(kind)));
  }
  for (const auto& group : group_finished(results, by)) {
    std::vector<ResultCell> row = {static_cast<double>(table.rows.size() + 1)};
    for (const auto& value : group.key) row.push_back(detail::cell_of(value));
    for (const auto& metric : metrics) {
      const auto values = metric_values(group, metric);
      for (auto kind : options.aggregates) row.push_back(aggregate(values, kind));
    }
    table.rows.push_back(std::move(row));
  }
  // Best first by the first metric's mean (its first aggregate if mean was not asked for).
  const auto mean =
      std::find(options.aggregates.begin(), options.aggregates.end(), Aggregate::Mean);
  const std::size_t first = 1 + by.size() +
                            static_cast<std::size_t>(mean == options.aggregates.end()
                                                         ? 0
                                                         : mean - options.aggregates.begin());
  if (!options.aggregates.empty()) sort_rows(table.rows, first, maximize(results.direction));
  for (std::size_t i = 0; i < table.rows.size(); ++i) table.rows[i][0] = static_cast<double>(i + 1);
  return table;
}

ResultTable best_configs(const ResultSet& results, const BestOptions& options) {
  const std::string metric = options.metric.empty() ? results.metric : options.metric;
  const std::string direction = options.direction.empty() ? results.direction : options.direction;
  ResultSet view = results;
  view.direction = maximize(direction) ? "maximize" : "minimize";
  ResultTable table;
  if (options.per_run) {
    check_name(metric, results.metrics, "metric");
    table = list_runs(view, "metrics." + metric, 0);
    std::erase_if(table.rows,
                  [&](const auto& row) { return std::get<std::string>(row[1]) != "FINISHED"; });
  } else {
    CompareOptions compare;
    compare.metrics = {metric};
    table = compare_configs(view, compare);
  }
  if (table.rows.size() > options.top) table.rows.resize(options.top);
  return table;
}

}  // namespace setfit
