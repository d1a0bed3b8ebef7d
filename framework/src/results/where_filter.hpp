#pragma once

// `--where` expressions over runs, compiled to a parameterised SQL condition on `runs r`:
//   expr    := or
//   or      := and ("or" and)*
//   and     := unary ("and" unary)*
//   unary   := "not" unary | "(" expr ")" | compare
//   compare := NAME op value | NAME ["not"] "in" "(" value ("," value)* ")"
//   op      := "=" | "!=" | "<" | "<=" | ">" | ">="
//   value   := number | 'text' | "text"
// Names: params.NAME / params.STAGE.NAME, metrics.NAME, and the run columns id, status,
// host, duration; a short name (batch_size, accuracy) when it names one of them. Values are
// bound, never spliced into the SQL.

#include <string>
#include <variant>
#include <vector>

namespace setfit::detail {

struct FilterParam {
  std::string name;  // "params.embedding.batch_size"
  std::string key;   // "batch_size"
  std::string stage;
};

struct FilterNames {
  std::vector<FilterParam> params;
  std::vector<std::string> metrics;
};

using FilterValue = std::variant<double, std::string>;

struct CompiledFilter {
  std::string sql;  // a condition on `runs r`, with ? placeholders
  std::vector<FilterValue> bindings;
};

// Throws UsageError: a syntax error says where (column, 1-based) and what was expected; an
// unknown or ambiguous name lists the candidates.
CompiledFilter compile_where(const std::string& expression, const FilterNames& names);

}  // namespace setfit::detail
