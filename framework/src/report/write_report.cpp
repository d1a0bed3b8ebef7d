// The report page: a static HTML skeleton, the data as JSON, ECharts and the drawing script,
// all inline, so the file opens anywhere with no network.
#include <fmt/format.h>

#include "../core/atomic_file.hpp"
#include "report_data.hpp"
#include "report_scripts.hpp"
#include "setfit/errors.hpp"
#include "setfit/report.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

constexpr const char* kStyle = R"css(
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.note, #subtitle { color: #555; }
.chart { width: 100%; height: 380px; margin: 1em 0; }
#parallel { height: 460px; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; }
tbody tr:nth-child(even) { background: #fafafa; }
#report-status { display: none; }
)css";

}  // namespace

std::string render_report(const fs::path& db, const ReportOptions& options,
                          ReportSummary* summary) {
  ReportSummary counts;
  const std::string data = detail::report_data_json(db, options, counts);
  std::string page;
  page.reserve(data.size() + detail::echarts_script().size() + 64 * 1024);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<title>setfit report</title>\n<style>";
  page += kStyle;
  page += "</style>\n</head>\n<body>\n<h1 id=\"title\">setfit report</h1>\n";
  page += "<p id=\"subtitle\"></p>\n<main id=\"report\"></main>\n";
  page += "<pre id=\"report-status\"></pre>\n";
  page += "<script type=\"application/json\" id=\"report-data\">";
  page += data;
  page += "</script>\n<script>";
  page += detail::echarts_script();
  page += "</script>\n<script>";
  page += detail::report_script();
  page += "</script>\n</body>\n</html>\n";
  counts.bytes = page.size();
  if (summary) *summary = counts;
  return page;
}

ReportSummary write_report(const fs::path& db, const fs::path& out, const ReportOptions& options) {
  const fs::path folder = out.has_parent_path() ? out.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw Error(fmt::format("{}: the report's folder {} does not exist (create it first)",
                            out.string(), folder.string()));
  }
  ReportSummary summary;
  detail::write_file_atomically(out, render_report(db, options, &summary));
  return summary;
}

}  // namespace setfit
