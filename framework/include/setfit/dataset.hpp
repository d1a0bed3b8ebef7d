#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "setfit/export.hpp"

namespace setfit {

// Labelled texts. Labels are indices into `label_names`; single-label data has exactly
// one per example, multi-label data any number.
struct SETFIT_API Dataset {
  std::vector<std::string> texts;
  std::vector<std::vector<std::int64_t>> labels;
  std::vector<std::string> label_names;  // sorted (numerically for integer labels) or as given
  bool multi_label = false;

  std::size_t size() const { return texts.size(); }
  // Examples per label, in label_names order.
  std::vector<std::size_t> label_counts() const;
};

struct DataOptions {
  std::string text_column = "text";
  std::string label_column = "label";
  // The label order to use; empty: the sorted labels found in the file. With a given
  // order, a label outside it is an error.
  std::vector<std::string> labels;
};

// Reads .jsonl (one object per line) or .csv (a header row, RFC 4180 quoting). Labels may
// be integers or strings (a JSON list makes the data multi-label). Errors name file:line
// and the column. Empty texts and missing labels are errors.
SETFIT_API Dataset load_dataset(const std::filesystem::path& file, const DataOptions& options = {});

// SetFit's few-shot selection (sample_dataset): shuffle with the seed, keep the first
// `per_label` examples of each label, shuffle again. A label with fewer examples is an
// error (SetFit silently keeps fewer). Multi-label data is sampled by its first label.
SETFIT_API Dataset sample_few_shot(const Dataset& data, std::int64_t per_label, std::uint64_t seed);

}  // namespace setfit
