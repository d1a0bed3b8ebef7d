// The result tables: runs, configurations over seeds, the best ones.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "config_groups.hpp"
#include "result_cell.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"
#include "short_names.hpp"

namespace setfit {
namespace {

constexpr const char* kSeed = "params.seed";

// Student's t quantile for a two-sided 95% interval with `df` degrees of freedom: the t
// where the two-sided p-value is 0.05, by bisection on the distribution (the p-value falls
// as t grows).
double t_quantile_975(std::size_t df) {
  double low = 0, high = 1e3;
  for (int i = 0; i < 100; ++i) {
    const double middle = (low + high) / 2;
    (student_t_two_sided_p(middle, static_cast<double>(df)) > 0.05 ? low : high) = middle;
  }
  return (low + high) / 2;
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

std::vector<double> metric_values(const std::vector<const ResultRun*>& runs,
                                  const std::string& metric) {
  std::vector<double> values;
  for (const ResultRun* run : runs) {
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

bool maximize(const std::string& direction) {
  if (direction == "maximize" || direction == "max") return true;
  if (direction == "minimize" || direction == "min") return false;
  throw UsageError(fmt::format("direction must be max or min, got '{}'", direction));
}

bool ranks_before(double a, double b, bool maximize) {
  const bool a_ok = !std::isnan(a), b_ok = !std::isnan(b);
  if (a_ok != b_ok) return a_ok;
  return a_ok && (maximize ? a > b : a < b);
}

std::string resolve_metric(const ResultSet& results, const std::string& name) {
  const std::string wanted = name.empty() ? results.metric : name;
  return resolve_short_name(wanted.rfind("metrics.", 0) == 0 ? wanted.substr(8) : wanted,
                            results.metrics, "metric");
}

ResultCell cell_of(const std::string& value) {
  if (value.empty()) return std::monostate{};
  char* end = nullptr;
  const double number = std::strtod(value.c_str(), &end);
  if (end != value.c_str() && *end == '\0') return number;
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    return value.substr(1, value.size() - 2);
  return value;
}

std::vector<std::string> resolve_group_by(const ResultSet& results,
                                          const std::vector<std::string>& group_by) {
  std::vector<std::string> out;
  if (group_by.empty()) {
    for (const auto& name : results.varied) {
      if (name != kSeed) out.push_back(name);
    }
    return out;
  }
  const std::vector<std::string> params = results.param_names();
  for (const auto& name : group_by) out.push_back(resolve_short_name(name, params, "parameter"));
  return out;
}

std::vector<ConfigGroup> ranked_configs(const ResultSet& results,
                                        const std::vector<std::string>& by,
                                        const std::string& metric, bool maximize) {
  std::vector<ConfigGroup> groups;
  std::map<std::vector<std::string>, std::size_t> index;
  for (const auto& run : results.runs) {
    if (run.status != RunStatus::Finished) continue;
    std::vector<std::string> key;
    for (const auto& name : by) key.push_back(results.value_of(run, name));
    const auto [it, added] = index.emplace(key, groups.size());
    if (added) groups.push_back({key, {}});
    groups[it->second].runs.push_back(&run);
  }
  std::vector<std::pair<double, ConfigGroup>> scored;
  for (auto& group : groups) {
    const double mean = aggregate(metric_values(group.runs, metric), Aggregate::Mean);
    scored.emplace_back(mean, std::move(group));
  }
  std::stable_sort(scored.begin(), scored.end(), [&](const auto& a, const auto& b) {
    return ranks_before(a.first, b.first, maximize);
  });
  std::vector<ConfigGroup> out;
  for (auto& [mean, group] : scored) out.push_back(std::move(group));
  return out;
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
    const std::string column = detail::resolve_short_name(sort, table.columns, "column");
    const auto index = static_cast<std::size_t>(
        std::find(table.columns.begin(), table.columns.end(), column) - table.columns.begin());
    // Metrics sort best first in the sweep's direction; everything else ascending.
    const bool descending = column.rfind("metrics.", 0) == 0 && detail::maximize(results.direction);
    sort_rows(table.rows, index, descending);
  }
  if (limit > 0 && table.rows.size() > limit) table.rows.resize(limit);
  return table;
}

namespace {

ResultTable compare_in_direction(const ResultSet& results, const CompareOptions& options,
                                 bool maximize) {
  const std::vector<std::string> by = detail::resolve_group_by(results, options.group_by);
  std::vector<std::string> metrics;
  for (const auto& metric :
       options.metrics.empty() ? std::vector<std::string>{results.metric} : options.metrics)
    metrics.push_back(detail::resolve_metric(results, metric));
  ResultTable table;
  table.columns.push_back("config");
  for (const auto& name : by) table.columns.push_back(name);
  for (const auto& metric : metrics) {
    for (auto kind : options.aggregates)
      table.columns.push_back(fmt::format("metrics.{}.{}", metric, to_string(kind)));
  }
  // Best first by the first metric's mean.
  for (const auto& group : detail::ranked_configs(results, by, metrics.front(), maximize)) {
    std::vector<ResultCell> row = {static_cast<double>(table.rows.size() + 1)};
    for (const auto& value : group.key) row.push_back(detail::cell_of(value));
    for (const auto& metric : metrics) {
      const auto values = metric_values(group.runs, metric);
      for (auto kind : options.aggregates) row.push_back(aggregate(values, kind));
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace

ResultTable compare_configs(const ResultSet& results, const CompareOptions& options) {
  return compare_in_direction(results, options, detail::maximize(results.direction));
}

ResultTable best_configs(const ResultSet& results, const BestOptions& options) {
  const std::string metric = detail::resolve_metric(results, options.metric);
  const bool max =
      detail::maximize(options.direction.empty() ? results.direction : options.direction);
  ResultTable table;
  if (options.per_run) {
    table = list_runs(results);
    const auto column = static_cast<std::size_t>(
        std::find(table.columns.begin(), table.columns.end(), "metrics." + metric) -
        table.columns.begin());
    std::erase_if(table.rows,
                  [&](const auto& row) { return std::get<std::string>(row[1]) != "FINISHED"; });
    sort_rows(table.rows, column, max);
  } else {
    CompareOptions compare;
    compare.metrics = {metric};
    table = compare_in_direction(results, compare, max);
  }
  if (table.rows.size() > options.top) table.rows.resize(options.top);
  return table;
}

}  // namespace setfit
