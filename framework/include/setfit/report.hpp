#pragma once

// A self-contained HTML report of a run store: the leaderboard, the sweep's metric against
// each varied parameter with error bars over seeds, training curves, parallel coordinates
// of the configurations and the failed runs. The charting library (Apache ECharts) is
// embedded in the file, so the report opens with no network. Opens the store read-only.

#include <cstdint>
#include <filesystem>
#include <string>

#include "setfit/export.hpp"

namespace setfit {

struct ReportOptions {
  std::string sweep;  // a sweep's name or id; empty: every run in the store
  std::string where;  // as for `setfit results`: only the runs for which this holds
  // The finished runs whose loss and evaluation curves are drawn: the best ones by the
  // sweep's metric. 0: every finished run.
  std::size_t curve_runs = 40;
  // Points kept per curve: evenly spaced steps, the first and the last always kept.
  std::size_t curve_points = 400;
  // Rows of the leaderboard table (the parallel coordinates show every configuration).
  std::size_t leaderboard_rows = 100;
};

struct ReportSummary {
  std::size_t runs = 0, configs = 0, failed = 0, parameters = 0, curve_runs = 0;
  std::uintmax_t bytes = 0;
};

// The report as one HTML document. Throws setfit::Error for what load_results refuses (not
// a store, a newer schema, an unknown sweep) and for an empty selection.
SETFIT_API std::string render_report(const std::filesystem::path& db, const ReportOptions& options,
                                     ReportSummary* summary = nullptr);

// Writes the report to `out` (through a temporary file renamed into place, so a reader
// never sees half a report). Throws setfit::Error when `out`'s folder does not exist.
SETFIT_API ReportSummary write_report(const std::filesystem::path& db,
                                      const std::filesystem::path& out,
                                      const ReportOptions& options);

}  // namespace setfit
