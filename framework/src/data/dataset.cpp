#include "setfit/dataset.hpp"

#include <csv.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "setfit/errors.hpp"
#include "setfit/text.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

// One row before labels are indexed: raw label strings and whether they were integers.
struct RawRow {
  std::size_t line = 0;
  std::string text;
  std::vector<std::string> labels;
  bool integer_labels = true;
};

bool is_integer(const std::string& s) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

std::vector<RawRow> read_jsonl(const fs::path& file, const DataOptions& options,
                               bool& multi_label) {
  std::ifstream in(file, std::ios::binary);
  std::vector<RawRow> rows;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto where = [&](const std::string& what) {
      return Error(fmt::format("{}:{}: {}", file.string(), number, what));
    };
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw where(fmt::format("malformed JSON: {}", printable_bytes(e.what())));
    }
    if (!row.is_object()) throw where("expected a JSON object");
    if (!row.contains(options.text_column) || !row[options.text_column].is_string()) {
      throw where(fmt::format("no string field \"{}\" (set the text column with text_column)",
                              options.text_column));
    }
    if (!row.contains(options.label_column) || row[options.label_column].is_null()) {
      throw where(
          fmt::format("no label field \"{}\" (set it with label_column)", options.label_column));
    }
    RawRow raw{number, row[options.text_column].get<std::string>(), {}, true};
    const auto& label = row[options.label_column];
    auto add = [&](const nlohmann::json& value) {
      if (value.is_number_integer()) {
        raw.labels.push_back(std::to_string(value.get<std::int64_t>()));
      } else if (value.is_string()) {
        raw.labels.push_back(value.get<std::string>());
        raw.integer_labels = false;
      } else {
        throw where(
            fmt::format("label \"{}\" must be an integer, a string or a list of them, got {}",
                        options.label_column, value.dump()));
      }
    };
    if (label.is_array()) {
      multi_label = true;
      for (const auto& value : label) add(value);
    } else {
      add(label);
    }
    rows.push_back(std::move(raw));
  }
  return rows;
}

struct CsvState {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> current;
};

std::vector<RawRow> read_csv(const fs::path& file, const DataOptions& options) {
  std::ifstream in(file, std::ios::binary);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
    throw Error("cannot initialise the CSV parser");
  CsvState state;
  auto on_field = [](void* data, std::size_t length, void* user) {
    static_cast<CsvState*>(user)->current.emplace_back(static_cast<const char*>(data), length);
  };
  auto on_record = [](int, void* user) {
    auto* s = static_cast<CsvState*>(user);
    s->records.push_back(std::move(s->current));
    s->current.clear();
  };
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (csv_parse(&parser, buffer.data(), got, on_field, on_record, &state) != got) {
      std::string message = csv_strerror(csv_error(&parser));
      csv_free(&parser);
      throw Error(fmt::format("{}: malformed CSV after record {}: {}", file.string(),
                              state.records.size() + 1, message));
    }
  }
  const int finished = csv_fini(&parser, on_field, on_record, &state);
  csv_free(&parser);
  if (finished != 0)
    throw Error(
        fmt::format("{}: malformed CSV at the end of the file (unclosed quote?)", file.string()));
  if (state.records.empty()) throw Error(fmt::format("{}: no header row", file.string()));

  const auto& header = state.records.front();
  auto column = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      throw Error(fmt::format("{}:1: no column \"{}\" in the header ({})", file.string(), name,
                              fmt::join(header, ", ")));
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t text_at = column(options.text_column);
  const std::size_t label_at = column(options.label_column);
  std::vector<RawRow> rows;
  for (std::size_t r = 1; r < state.records.size(); ++r) {
    const auto& record = state.records[r];
    if (record.size() != header.size()) {
      throw Error(fmt::format("{}: record {} has {} fields, the header {}", file.string(), r + 1,
                              record.size(), header.size()));
    }
    if (record[label_at].empty())
      throw Error(fmt::format("{}: record {}: the label is empty", file.string(), r + 1));
    rows.push_back({r + 1, record[text_at], {record[label_at]}, is_integer(record[label_at])});
  }
  return rows;
}

}  // namespace

std::vector<std::size_t> Dataset::label_counts() const {
  std::vector<std::size_t> counts(label_names.size(), 0);
  for (const auto& l : labels) {
    for (auto id : l) ++counts[static_cast<std::size_t>(id)];
  }
  return counts;
}

Dataset load_dataset(const fs::path& file, const DataOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw Error(fmt::format("{}: no such file", file.string()));
  const std::string extension = file.extension().string();
  Dataset data;
  std::vector<RawRow> rows;
  if (extension == ".jsonl" || extension == ".json") {
    rows = read_jsonl(file, options, data.multi_label);
  } else if (extension == ".csv") {
    rows = read_csv(file, options);
  } else {
    throw Error(fmt::format("{}: unknown data format '{}'; expected .jsonl or .csv", file.string(),
                            extension));
  }
  if (rows.empty()) throw Error(fmt::format("{}: no examples", file.string()));

  bool integers = true;
  for (const auto& row : rows) {
    if (!is_valid_utf8(row.text))
      throw Error(fmt::format("{}:{}: the text is not valid UTF-8", file.string(), row.line));
    if (row.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      throw Error(fmt::format("{}:{}: the text is empty", file.string(), row.line));
    }
    integers = integers && row.integer_labels;
  }
  if (options.labels.empty()) {
    std::vector<std::string> names;
    for (const auto& row : rows) names.insert(names.end(), row.labels.begin(), row.labels.end());
    std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
      return integers ? std::stoll(a) < std::stoll(b) : a < b;
    });
    names.erase(std::unique(names.begin(), names.end()), names.end());
    data.label_names = std::move(names);
  } else {
    data.label_names = options.labels;
  }
  std::map<std::string, std::int64_t> index;
  for (std::size_t i = 0; i < data.label_names.size(); ++i)
    index[data.label_names[i]] = static_cast<std::int64_t>(i);
  for (auto& row : rows) {
    std::vector<std::int64_t> ids;
    for (const auto& label : row.labels) {
      auto it = index.find(label);
      if (it == index.end()) {
        throw Error(fmt::format("{}:{}: label '{}' is not one of the given labels ({})",
                                file.string(), row.line, label, fmt::join(data.label_names, ", ")));
      }
      ids.push_back(it->second);
    }
    data.texts.push_back(std::move(row.text));
    data.labels.push_back(std::move(ids));
  }
  return data;
}

Dataset sample_few_shot(const Dataset& data, std::int64_t per_label, std::uint64_t seed) {
  if (per_label < 1) throw Error(fmt::format("num_samples must be positive, got {}", per_label));
  std::vector<std::size_t> order(data.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::int64_t> taken(data.label_names.size(), 0);
  std::vector<std::size_t> chosen;
  for (std::size_t i : order) {
    if (data.labels[i].empty()) continue;
    auto& count = taken[static_cast<std::size_t>(data.labels[i].front())];
    if (count < per_label) {
      ++count;
      chosen.push_back(i);
    }
  }
  for (std::size_t l = 0; l < taken.size(); ++l) {
    if (taken[l] < per_label) {
      throw Error(fmt::format("label '{}' has only {} example(s) but num_samples is {}",
                              data.label_names[l], taken[l], per_label));
    }
  }
  std::shuffle(chosen.begin(), chosen.end(), rng);
  Dataset out;
  out.label_names = data.label_names;
  out.multi_label = data.multi_label;
  for (std::size_t i : chosen) {
    out.texts.push_back(data.texts[i]);
    out.labels.push_back(data.labels[i]);
  }
  return out;
}

}  // namespace setfit
