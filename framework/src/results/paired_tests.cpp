// Paired comparisons of two configurations over the seeds they share, with the sign test
// and the paired t test.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "config_groups.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"
#include "short_names.hpp"

namespace setfit {
namespace {

// The regularised incomplete beta function I_x(a, b), by its continued fraction (modified
// Lentz), using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where that converges faster.
double incomplete_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incomplete_beta(1 - x, b, a);
  const double log_front =
      a * std::log(x) + b * std::log1p(-x) - (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (std::fabs(d) < tiny ? tiny : d);
  double fraction = d;
  for (int m = 1; m <= 500; ++m) {
    for (int half = 0; half < 2; ++half) {
      // Even terms m(b - m)x / ((a + 2m - 1)(a + 2m)); odd terms -(a + m)(a + b + m)x /
      // ((a + 2m)(a + 2m + 1)).
      const double numerator = half == 0
                                   ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                                   : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1 + numerator * d;
      d = 1 / (std::fabs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (std::fabs(c) < tiny) c = tiny;
      fraction *= c * d;
      if (half == 1 && std::fabs(c * d - 1) < 1e-15) return std::exp(log_front) * fraction / a;
    }
  }
  return std::exp(log_front) * fraction / a;
}

}  // namespace

double student_t_two_sided_p(double t, double df) {
  if (!(df > 0) || std::isnan(t)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(t)) return 0;
  return incomplete_beta(df / (df + t * t), df / 2, 0.5);
}

double sign_test_p(std::size_t wins, std::size_t losses) {
  const std::size_t n = wins + losses;
  if (n == 0) return 1;
  const std::size_t k = std::min(wins, losses);
  // Two-sided: twice the lower tail of Binomial(n, 1/2), at most 1.
  double tail = 0, term = std::pow(0.5, static_cast<double>(n));  // C(n, 0) / 2^n
  for (std::size_t i = 0; i <= k; ++i) {
    tail += term;
    term *= static_cast<double>(n - i) / static_cast<double>(i + 1);
  }
  return std::min(1.0, 2 * tail);
}

namespace {

// The metric of each FINISHED run by its seed.
std::map<std::string, double> by_seed(const ResultSet& runs, const std::string& metric,
                                      const char* side) {
  std::map<std::string, double> values;
  for (const auto& run : runs.runs) {
    if (run.status != RunStatus::Finished) continue;
    const auto it = run.metrics.find(metric);
    if (it == run.metrics.end()) continue;
    const std::string seed = runs.value_of(run, "params.seed");
    if (!values.emplace(seed, it->second).second) {
      throw UsageError(fmt::format(
          "selection {} holds two finished runs with seed {} (runs of several configurations); "
          "narrow it until it names one configuration",
          side, seed.empty() ? "(none)" : seed));
    }
  }
  return values;
}

}  // namespace

ResultSet config_runs(const ResultSet& results, std::size_t config, const std::string& name) {
  const std::string metric = detail::resolve_metric(results, name);
  // Numbered as compare_configs numbers them with its defaults.
  const auto configs = detail::ranked_configs(results, detail::resolve_group_by(results, {}),
                                              metric, detail::maximize(results.direction));
  if (config < 1 || config > configs.size()) {
    throw UsageError(fmt::format("config {} does not exist: results compare lists 1 to {}", config,
                                 configs.size()));
  }
  ResultSet out = results;
  out.runs.clear();
  for (const ResultRun* run : configs[config - 1].runs) out.runs.push_back(*run);
  return out;
}

PairedDifference paired_difference(const ResultSet& results, std::size_t config_a,
                                   std::size_t config_b, const std::string& metric) {
  return paired_difference(config_runs(results, config_a, metric),
                           config_runs(results, config_b, metric), metric);
}

PairedDifference paired_difference(const ResultSet& a_runs, const ResultSet& b_runs,
                                   const std::string& metric_name) {
  const std::string metric = detail::resolve_metric(a_runs, metric_name);
  const auto a = by_seed(a_runs, metric, "A"), b = by_seed(b_runs, metric, "B");
  PairedDifference out;
  out.metric = metric;
  std::vector<double> differences;
  for (const auto& [seed, value] : a) {
    const auto other = b.find(seed);
    if (other == b.end()) continue;
    out.seeds.push_back(seed);
    const double d = value - other->second;
    differences.push_back(d);
    if (d > 0)
      ++out.a_wins;
    else if (d < 0)
      ++out.b_wins;
    else
      ++out.ties;
  }
  out.pairs = differences.size();
  const double n = static_cast<double>(out.pairs);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.mean = out.sem = out.t_p = nan;
  if (out.pairs > 0) {
    double mean = 0;
    for (double d : differences) mean += d;
    out.mean = mean / n;
  }
  if (out.pairs > 1) {
    double ss = 0;
    for (double d : differences) ss += (d - out.mean) * (d - out.mean);
    out.sem = std::sqrt(ss / (n - 1)) / std::sqrt(n);
    out.t_p = out.sem > 0 ? student_t_two_sided_p(out.mean / out.sem, n - 1)
                          : (out.mean == 0 ? 1.0 : 0.0);
  }
  out.sign_p = sign_test_p(out.a_wins, out.b_wins);
  return out;
}

ResultTable paired_difference_table(const PairedDifference& d) {
  ResultTable table;
  table.columns = {"metric", "pairs", "mean_difference", "sem",       "a_wins",
                   "b_wins", "ties",  "sign_test_p",     "paired_t_p"};
  table.rows.push_back({d.metric, static_cast<double>(d.pairs), d.mean, d.sem,
                        static_cast<double>(d.a_wins), static_cast<double>(d.b_wins),
                        static_cast<double>(d.ties), d.sign_p, d.t_p});
  return table;
}

}  // namespace setfit
