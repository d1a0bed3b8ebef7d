#pragma once

#include <string>
#include <vector>

#include "setfit/results.hpp"

namespace setfit::detail {

// FINISHED runs of one configuration: the values of the group-by params, and the runs.
struct ConfigGroup {
  std::vector<std::string> key;
  std::vector<const ResultRun*> runs;
};

// "maximize"/"max" or "minimize"/"min"; throws UsageError otherwise.
bool maximize(const std::string& direction);
// Whether score a ranks before b: better in the direction, NaN (missing) last.
bool ranks_before(double a, double b, bool maximize);
// A metric's full name from a short or "metrics."-prefixed one; empty: the sweep's metric.
std::string resolve_metric(const ResultSet& results, const std::string& name);

// `group_by` with short names resolved; empty: every varied param but the seed.
std::vector<std::string> resolve_group_by(const ResultSet& results,
                                          const std::vector<std::string>& group_by);

// The configurations best first by the mean of `metric` (NaN and missing last), in the
// order compare_configs numbers them.
std::vector<ConfigGroup> ranked_configs(const ResultSet& results,
                                        const std::vector<std::string>& by,
                                        const std::string& metric, bool maximize);

}  // namespace setfit::detail
