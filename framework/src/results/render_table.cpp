// A result table in each output format.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "setfit/errors.hpp"
#include "setfit/params.hpp"
#include "setfit/results.hpp"

namespace setfit {
namespace {

// Numbers in their shortest round-trip form; integers without a fraction.
std::string text_of(const ResultCell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return "";
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  const double v = std::get<double>(cell);
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

// Numbers in tables: four decimals (what a paper table shows), integers as such.
std::string display_of(const ResultCell& cell) {
  if (const auto* d = std::get_if<double>(&cell); d && std::isfinite(*d) && *d != std::floor(*d))
    return std::fabs(*d) < 1e-3 ? fmt::format("{:.3g}", *d) : fmt::format("{:.4f}", *d);
  return text_of(cell);
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string escape(const std::string& text, const std::string& special, const std::string& with) {
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string::npos) out += with;
    out += c;
  }
  return out;
}

nlohmann::json json_of(const ResultCell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return nullptr;
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  const double v = std::get<double>(cell);
  if (!std::isfinite(v)) return nullptr;  // JSON has no NaN or infinity
  if (v == std::floor(v) && std::fabs(v) < 1e15) return static_cast<long long>(v);
  return v;
}

nlohmann::json object_of(const ResultTable& table, const std::vector<ResultCell>& row) {
  nlohmann::json object = nlohmann::json::object();
  for (std::size_t c = 0; c < table.columns.size(); ++c) object[table.columns[c]] = json_of(row[c]);
  return object;
}

}  // namespace

ResultFormat result_format_from_string(const std::string& name) {
  if (name == "table") return ResultFormat::Table;
  if (name == "csv") return ResultFormat::Csv;
  if (name == "json") return ResultFormat::Json;
  if (name == "jsonl") return ResultFormat::Jsonl;
  if (name == "markdown") return ResultFormat::Markdown;
  if (name == "latex") return ResultFormat::Latex;
  throw UsageError(
      fmt::format("--format must be table, csv, json, jsonl, markdown or latex, got '{}'", name));
}

std::string render_table(const ResultTable& table, ResultFormat format) {
  std::string out;
  switch (format) {
    case ResultFormat::Table: {
      std::vector<std::size_t> width;
      for (const auto& c : table.columns) width.push_back(c.size());
      for (const auto& row : table.rows) {
        for (std::size_t c = 0; c < row.size(); ++c)
          width[c] = std::max(width[c], display_of(row[c]).size());
      }
      const auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < cells.size(); ++c)
          text += fmt::format("{:<{}}{}", cells[c], width[c], c + 1 < cells.size() ? "  " : "");
        while (!text.empty() && text.back() == ' ') text.pop_back();
        return text + "\n";
      };
      out += line(table.columns);
      for (const auto& row : table.rows) {
        std::vector<std::string> cells;
        for (const auto& cell : row) cells.push_back(display_of(cell));
        out += line(cells);
      }
      break;
    }
    case ResultFormat::Csv: {
      const auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          if (c) text += ',';
          text += csv_field(cells[c]);
        }
        return text + "\r\n";  // RFC 4180 line ends
      };
      out += line(table.columns);
      for (const auto& row : table.rows) {
        std::vector<std::string> cells;
        for (const auto& cell : row) cells.push_back(text_of(cell));
        out += line(cells);
      }
      break;
    }
    case ResultFormat::Json: {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& row : table.rows) rows.push_back(object_of(table, row));
      out = rows.dump(2) + "\n";
      break;
    }
    case ResultFormat::Jsonl:
      for (const auto& row : table.rows) out += object_of(table, row).dump() + "\n";
      break;
    case ResultFormat::Markdown: {
      const auto line = [](const std::vector<std::string>& cells) {
        std::string text = "|";
        for (const auto& c : cells) {
          text += ' ';
          text += escape(c, "|", "\\");
          text += " |";
        }
        return text + "\n";
      };
      out += line(table.columns);
      out += line(std::vector<std::string>(table.columns.size(), "---"));
      for (const auto& row : table.rows) {
        std::vector<std::string> cells;
        for (const auto& cell : row) cells.push_back(display_of(cell));
        out += line(cells);
      }
      break;
    }
    case ResultFormat::Latex: {
      const auto line = [](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          if (c) text += " & ";
          text += escape(cells[c], "&%$#_{}", "\\");
        }
        return text + " \\\\\n";
      };
      out += "\\begin{tabular}{" + std::string(table.columns.size(), 'l') + "}\n\\hline\n";
      out += line(table.columns) + "\\hline\n";
      for (const auto& row : table.rows) {
        std::vector<std::string> cells;
        for (const auto& cell : row) cells.push_back(display_of(cell));
        out += line(cells);
      }
      out += "\\hline\n\\end{tabular}\n";
      break;
    }
  }
  return out;
}

}  // namespace setfit
