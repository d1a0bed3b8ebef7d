#include "where_filter.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "setfit/errors.hpp"
#include "setfit/params.hpp"
#include "short_names.hpp"

namespace setfit::detail {
namespace {

enum class Token { Name, Number, Text, Op, Open, Close, Comma, End };

struct Lexeme {
  Token kind;
  std::string text;
  std::size_t column;  // 1-based, in bytes
};

std::vector<Lexeme> lex(const std::string& s) {
  std::vector<Lexeme> out;
  std::size_t i = 0;
  const auto fail = [&](std::size_t at, const std::string& what) {
    throw UsageError(fmt::format("--where: column {}: {}", at + 1, what));
  };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    if (c == '(' || c == ')' || c == ',') {
      out.push_back({c == '('   ? Token::Open
                     : c == ')' ? Token::Close
                                : Token::Comma,
                     std::string(1, c), start});
      ++i;
    } else if (c == '\'' || c == '"') {
      std::string text;
      ++i;
      while (i < s.size() && s[i] != c) text += s[i++];
      if (i == s.size()) fail(start, fmt::format("the text starting here has no closing {}", c));
      ++i;
      out.push_back({Token::Text, text, start});
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
      std::string op(1, c);
      if (c != '=' && i + 1 < s.size() && s[i + 1] == '=') op += '=';
      if (op == "!") fail(start, "expected != ");
      i += op.size();
      out.push_back({Token::Op, op, start});
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
      char* end = nullptr;
      std::strtod(s.c_str() + i, &end);
      const auto used = static_cast<std::size_t>(end - (s.c_str() + i));
      if (used == 0) fail(start, fmt::format("'{}' is not a number", c));
      out.push_back({Token::Number, s.substr(i, used), start});
      i += used;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' ||
                              s[i] == '.' || s[i] == '[' || s[i] == ']'))
        ++i;
      out.push_back({Token::Name, s.substr(start, i - start), start});
    } else {
      fail(start, fmt::format("unexpected character '{}'", c));
    }
  }
  out.push_back({Token::End, "", s.size()});
  return out;
}

class Compiler {
 public:
  Compiler(std::vector<Lexeme> tokens, const FilterNames& names)
      : tokens_(std::move(tokens)), names_(names) {}

  CompiledFilter compile() {
    CompiledFilter out;
    out.sql = parse_or();
    if (peek().kind != Token::End) fail("expected 'and', 'or' or the end");
    out.bindings = std::move(bindings_);
    return out;
  }

 private:
  const Lexeme& peek() const { return tokens_[position_]; }
  const Lexeme& next() { return tokens_[position_++]; }
  bool keyword(const char* word) const { return peek().kind == Token::Name && peek().text == word; }
  [[noreturn]] void fail(const std::string& what) const {
    const auto& at = peek();
    throw UsageError(
        fmt::format("--where: column {}: {}{}", at.column + 1, what,
                    at.kind == Token::End ? " (at the end)" : fmt::format(" (at '{}')", at.text)));
  }

  // A chain as a balanced tree, so that long expressions stay within SQLite's expression
  // depth limit (1000).
  static std::string balanced(const std::vector<std::string>& parts, std::size_t begin,
                              std::size_t end, const char* op) {
    if (end - begin == 1) return parts[begin];
    const std::size_t middle = begin + (end - begin) / 2;
    return fmt::format("({} {} {})", balanced(parts, begin, middle, op), op,
                       balanced(parts, middle, end, op));
  }
  std::string parse_or() {
    std::vector<std::string> parts = {parse_and()};
    while (keyword("or")) {
      next();
      parts.push_back(parse_and());
    }
    return balanced(parts, 0, parts.size(), "OR");
  }
  std::string parse_and() {
    std::vector<std::string> parts = {parse_unary()};
    while (keyword("and")) {
      next();
      parts.push_back(parse_unary());
    }
    return balanced(parts, 0, parts.size(), "AND");
  }
  std::string parse_unary() {
    if (keyword("not")) {
      next();
      return fmt::format("(NOT {})", parse_unary());
    }
    if (peek().kind == Token::Open) {
      next();
      std::string sql = parse_or();
      if (peek().kind != Token::Close) fail("expected ')'");
      next();
      return sql;
    }
    return parse_compare();
  }

  FilterValue value() {
    const Lexeme& v = peek();
    if (v.kind == Token::Number) {
      next();
      return std::strtod(v.text.c_str(), nullptr);
    }
    if (v.kind == Token::Text) {
      next();
      return v.text;
    }
    fail("expected a number or a quoted text");
  }

  // The SQL for a name, as a number and as text (to compare with quoted values), each with
  // its own bindings.
  struct Operand {
    std::string numeric, text;
    std::vector<FilterValue> numeric_bindings, text_bindings;
  };
  Operand operand(const std::string& name) {
    if (name == "id") return {"r.id", "CAST(r.id AS TEXT)", {}, {}};
    if (name == "status") return {"NULL", "r.status", {}, {}};
    if (name == "host") return {"NULL", "r.host", {}, {}};
    if (name == "duration")
      return {"((julianday(r.finished_at) - julianday(r.started_at)) * 86400.0)", "NULL", {}, {}};
    std::vector<std::string> candidates = {"id", "status", "host", "duration"};
    for (const auto& m : names_.metrics) candidates.push_back("metrics." + m);
    for (const auto& p : names_.params) candidates.push_back(p.name);
    const auto matches = short_name_matches(name, candidates);
    if (matches.size() != 1) {
      position_--;  // point at the name
      if (matches.size() > 1)
        fail(fmt::format("'{}' is ambiguous: {}", name, fmt::join(matches, ", ")));
      fail(fmt::format("unknown name '{}'{}", name, short_name_hint(name, candidates)));
    }
    const std::string& full = matches.front();
    if (full.rfind("metrics.", 0) == 0) {
      return {"(SELECT s.value FROM run_summary s WHERE s.run_id = r.id AND s.key = ?)",
              "NULL",
              {full.substr(8)},
              {}};
    }
    const auto& param = *std::find_if(names_.params.begin(), names_.params.end(),
                                      [&](const FilterParam& p) { return p.name == full; });
    // The text form strips the quotes TOML puts around recorded strings.
    return {
        "(SELECT p.value_num FROM params p WHERE p.run_id = r.id AND p.key = ? AND "
        "p.stage = ?)",
        "(SELECT trim(p.value_text, '\"') FROM params p WHERE p.run_id = r.id AND p.key = ? "
        "AND p.stage = ?)",
        {param.key, param.stage},
        {param.key, param.stage}};
  }

  // "<operand> <op> ?" for one value, with its bindings in order.
  std::string comparison(const Operand& target, const std::string& op, const FilterValue& v) {
    const bool text = std::holds_alternative<std::string>(v);
    const auto& operand_bindings = text ? target.text_bindings : target.numeric_bindings;
    bindings_.insert(bindings_.end(), operand_bindings.begin(), operand_bindings.end());
    bindings_.push_back(v);
    return fmt::format("({} {} ?)", text ? target.text : target.numeric, op);
  }

  std::string parse_compare() {
    if (peek().kind != Token::Name) fail("expected a name, 'not' or '('");
    const Operand target = operand(next().text);
    bool negate = false;
    if (keyword("not")) {
      next();
      negate = true;
      if (!keyword("in")) fail("expected 'in' after 'not'");
    }
    if (keyword("in")) {
      next();
      if (peek().kind != Token::Open) fail("expected '(' after 'in'");
      next();
      std::vector<std::string> parts;
      for (;;) {
        parts.push_back(comparison(target, "=", value()));
        if (peek().kind == Token::Comma) {
          next();
          continue;
        }
        if (peek().kind != Token::Close) fail("expected ',' or ')'");
        next();
        break;
      }
      const std::string any = balanced(parts, 0, parts.size(), "OR");
      // A missing value (NULL) is in no list, so it is "not in" every list.
      return negate ? fmt::format("(NOT coalesce({}, 0))", any) : any;
    }
    if (peek().kind != Token::Op) fail("expected =, !=, <, <=, >, >= or in");
    const std::string op = next().text;
    return comparison(target, op, value());
  }

  std::vector<Lexeme> tokens_;
  const FilterNames& names_;
  std::size_t position_ = 0;
  std::vector<FilterValue> bindings_;
};

}  // namespace

CompiledFilter compile_where(const std::string& expression, const FilterNames& names) {
  if (expression.find_first_not_of(" \t\r\n") == std::string::npos)
    throw UsageError("--where: the expression is empty");
  return Compiler(lex(expression), names).compile();
}

}  // namespace setfit::detail
