// The best configurations of a sweep: its runs grouped by their grid values without the
// seed, ranked by the mean of the sweep's metric.

#include <algorithm>
#include <cmath>
#include <set>

#include "setfit/sweep.hpp"

namespace setfit {

SweepReport sweep_report(const ExpandedSweep& sweep, const std::vector<PreparedRun>& runs,
                         const std::vector<std::int64_t>& ids, const RunStore& store) {
  SweepReport report;
  report.header = sweep.header;
  std::map<std::string, std::vector<double>> by_settings;
  std::set<std::int64_t> reported;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!reported.insert(ids[i]).second) continue;  // a duplicate grid point
    const auto row = store.run(ids[i]);
    ++report.counts[row.status];
    if (row.status != RunStatus::Finished) continue;
    auto& values = by_settings[runs[i].group_label];
    for (const auto& v : store.summary(ids[i])) {
      if (v.key == sweep.header.metric) values.push_back(v.value);
    }
  }
  report.distinct_runs = reported.size();
  for (const auto& [label, values] : by_settings) {
    if (values.empty()) continue;
    double mean = 0, var = 0;
    for (double v : values) mean += v;
    mean /= static_cast<double>(values.size());
    for (double v : values) var += (v - mean) * (v - mean);
    report.best.push_back(
        {mean, std::sqrt(var / static_cast<double>(values.size())), values.size(), label});
  }
  const bool maximize = sweep.header.direction == "maximize";
  std::sort(report.best.begin(), report.best.end(),
            [&](const RankedConfiguration& a, const RankedConfiguration& b) {
              return maximize ? a.mean > b.mean : a.mean < b.mean;
            });
  return report;
}

}  // namespace setfit
