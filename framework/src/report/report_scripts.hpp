#pragma once

#include <string_view>

namespace setfit::detail {

// The scripts a report inlines, embedded in the library when it is built: Apache ECharts
// (fetched from npm, pinned by integrity) and the report's own drawing code (report.js).
std::string_view echarts_script();
std::string_view report_script();

}  // namespace setfit::detail
