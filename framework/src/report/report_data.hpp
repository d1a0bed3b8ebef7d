#pragma once

#include <filesystem>
#include <string>

#include "setfit/report.hpp"

namespace setfit::detail {

// What a report draws, as JSON text that is safe inside a <script> element (every '<' is
// written as \u003c): the leaderboard, a series per varied parameter, curves, failed runs.
std::string report_data_json(const std::filesystem::path& db, const ReportOptions& options,
                             ReportSummary& summary);

}  // namespace setfit::detail
