#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "setfit/export.hpp"

namespace setfit::detail {

// One setting a run receives from the grid, for display ("loss = \"ContrastiveLoss\"").
struct GridAssignment {
  std::string key;  // resolved path, e.g. "args.batch_size", "model.head_params.C"
  std::string value;
  std::string where;  // file:line:column of the value in the sweep file (empty for seeds)
};

// One run of an expanded sweep: a complete `setfit train` config (tables data, model, args,
// eval) and what the grid and the seed axis set in it.
struct ExpandedRun {
  std::size_t index = 0;
  toml::table config;
  std::vector<GridAssignment> assignments;
};

// What the grid set in a run, for messages and reports: "key=value" pairs joined by
// `separator`, without `skip_key` (e.g. the seed, to group runs over seeds);
// "(the fixed config)" when nothing is left.
SETFIT_API std::string settings_label(const ExpandedRun& run, const std::string& separator = " ",
                                      const std::string& skip_key = "");

// The [sweep] table.
struct SweepHeader {
  std::string name;
  std::vector<std::int64_t> seeds;  // empty: the config's own seed
  std::string method = "grid";      // "grid" or "random"
  std::int64_t trials = 0;          // random search
  std::uint64_t search_seed = 0;
  std::string metric = "accuracy";
  std::string direction = "maximize";
};

struct ExpandedSweep {
  SweepHeader header;
  std::vector<ExpandedRun> runs;
};

// A TOML value as a config would write it, numbers in their shortest round-trip form:
// 2e-05, [16, 2], "ContrastiveLoss", {loss = "x", margin = 0.5}.
SETFIT_API std::string render_toml_value(const toml::node& node);

// Expands a sweep file (docs/sweep-format.md): the fixed [data], [model], [args] and [eval]
// tables, [grid] lists (pairs for per-stage fields, [grid.embedding]/[grid.classifier] for
// one half, lists of tables for values that vary together), the seeds axis, and random
// search with uniform/log_uniform/int_uniform/choice distributions (deterministic under
// search_seed). Errors name origin:line:column and the key. Runs are in a stable order:
// the grid's keys in file order, the last varying fastest, seeds innermost.
SETFIT_API ExpandedSweep expand_sweep(const toml::table& doc, const std::string& origin);

}  // namespace setfit::detail
