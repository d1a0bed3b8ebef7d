#include "byte_level_bpe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "setfit/errors.hpp"
#include "unicode.hpp"

namespace setfit::text {
namespace {

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others
// (controls, space, soft hyphen) for the code points from U+0100 on.
const std::array<CodePoint, 256>& byte_to_code_point() {
  static const std::array<CodePoint, 256> table = [] {
    std::array<CodePoint, 256> t{};
    CodePoint next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      t[static_cast<std::size_t>(b)] = printable ? static_cast<CodePoint>(b) : next++;
    }
    return t;
  }();
  return table;
}

bool is_other(CodePoint cp) {
  return !is_regex_space(cp) && !is_letter(cp) && !is_number(cp);
}

// The length of the contraction ('s, 't, 're, 've, 'm, 'll, 'd) at `i`, or 0.
std::size_t contraction_at(std::u32string_view text, std::size_t i) {
  if (text[i] != U'\'' || i + 1 >= text.size()) return 0;
  const CodePoint a = text[i + 1];
  if (a == U's' || a == U't' || a == U'm' || a == U'd') return 2;
  if (i + 2 >= text.size()) return 0;
  const CodePoint b = text[i + 2];
  if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) return 3;
  return 0;
}

}  // namespace

std::vector<std::u32string> gpt2_pre_tokenize(std::u32string_view text) {
  std::vector<std::u32string> pieces;
  std::size_t i = 0;
  const std::size_t n = text.size();
  // The run of characters from `from` that satisfy `in_class`.
  const auto run = [&](std::size_t from, auto in_class) {
    std::size_t end = from;
    while (end < n && in_class(text[end])) ++end;
    return end;
  };
  while (i < n) {
    std::size_t end = i;
    if (const std::size_t c = contraction_at(text, i); c > 0) {
      end = i + c;
    } else {
      // " ?X+" for X = letters, numbers, others: an optional single space, then a run.
      const std::size_t start = text[i] == U' ' && i + 1 < n ? i + 1 : i;
      for (auto in_class : {+[](CodePoint cp) { return is_letter(cp); },
                            +[](CodePoint cp) { return is_number(cp); },
                            +[](CodePoint cp) { return is_other(cp); }}) {
        if (in_class(text[start])) {
          end = run(start, in_class);
          break;
        }
      }
      if (end == i) {
        // \s+(?!\S): the whitespace run, less its last character when a non-space follows
        // (that character starts the next piece); else \s+.
        const std::size_t space_end = run(i, is_regex_space);
        if (space_end == i) {
          end = i + 1;  // unreachable: every character is in one class
        } else if (space_end == n || space_end - i == 1) {
          end = space_end;
        } else {
          end = space_end - 1;
        }
      }
    }
    pieces.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return pieces;
}

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(ByteLevelBpeConfig config)
    : config_(std::move(config)), specials_(config_.special_tokens) {
  ids_.reserve(config_.vocab.size());
  for (std::size_t i = 0; i < config_.vocab.size(); ++i)
    ids_.emplace(config_.vocab[i], static_cast<std::int64_t>(i));
  const auto required = [&](const std::string& token, const char* role) {
    const auto it = ids_.find(token);
    if (it == ids_.end())
      throw Error(fmt::format("the vocabulary has no {} token '{}'", role, token));
    return it->second;
  };
  if (const auto it = ids_.find(config_.unk_token); it != ids_.end()) unk_id_ = it->second;
  pad_id_ = required(config_.pad_token, "padding");
  for (const auto* pieces : {&config_.sequence_template.single, &config_.sequence_template.pair}) {
    for (const auto& piece : *pieces) {
      if (piece.kind == TemplatePiece::Kind::Special) required(piece.token, "template");
    }
  }
  ranks_.reserve(config_.merges.size());
  for (std::size_t rank = 0; rank < config_.merges.size(); ++rank) {
    const auto& [left, right] = config_.merges[rank];
    for (const std::string* part : {&left, &right}) {
      if (!ids_.count(*part)) {
        throw Error(fmt::format("merge {} ('{} {}'): '{}' is not in the vocabulary", rank + 1, left,
                                right, *part));
      }
    }
    if (!ids_.count(left + right)) {
      throw Error(fmt::format("merge {} ('{} {}'): its result '{}{}' is not in the vocabulary",
                              rank + 1, left, right, left, right));
    }
    ranks_.emplace(left + " " + right, rank);  // the first of a repeated merge wins
  }
}

std::int64_t ByteLevelBpeTokenizer::id_of(const std::string& token) const {
  const auto it = ids_.find(token);
  if (it != ids_.end()) return it->second;
  if (unk_id_ < 0) {
    throw Error(fmt::format(
        "token '{}' is not in the vocabulary, which has no unknown token to stand for it", token));
  }
  return unk_id_;
}

void ByteLevelBpeTokenizer::bpe(const std::u32string& piece, std::vector<std::string>& out) const {
  // The piece's UTF-8 bytes, one symbol each, as GPT-2's printable characters.
  std::vector<std::string> symbols;
  for (unsigned char byte : encode_utf8(piece)) {
    std::string symbol;
    append_utf8(symbol, byte_to_code_point()[byte]);
    symbols.push_back(std::move(symbol));
  }
  // Merge the best-ranked adjacent pair everywhere it occurs, until no pair has a rank.
  while (symbols.size() > 1) {
    std::size_t best = std::numeric_limits<std::size_t>::max();
    for (std::size_t k = 0; k + 1 < symbols.size(); ++k) {
      const auto it = ranks_.find(symbols[k] + " " + symbols[k + 1]);
      if (it != ranks_.end()) best = std::min(best, it->second);
    }
    if (best == std::numeric_limits<std::size_t>::max()) break;
    const auto& [left, right] = config_.merges[best];
    std::vector<std::string> merged;
    merged.reserve(symbols.size());
    for (std::size_t k = 0; k < symbols.size(); ++k) {
      if (k + 1 < symbols.size() && symbols[k] == left && symbols[k + 1] == right) {
        merged.push_back(left + right);
        ++k;
      } else {
        merged.push_back(std::move(symbols[k]));
      }
    }
    symbols = std::move(merged);
  }
  for (auto& symbol : symbols) out.push_back(std::move(symbol));
}

void ByteLevelBpeTokenizer::tokenize_plain(std::u32string_view text,
                                           std::vector<std::string>& out) const {
  for (const auto& piece : gpt2_pre_tokenize(text)) bpe(piece, out);
}

std::vector<std::string> ByteLevelBpeTokenizer::tokenize(std::string_view text) const {
  std::u32string input = decode_utf8(text);
  if (config_.add_prefix_space && !input.empty() && !is_python_space(input.front()))
    input.insert(input.begin(), U' ');
  const auto segments = specials_.split(input);
  std::vector<std::string> tokens;
  for (const auto& segment : segments) {
    if (segment.special != nullptr) {
      tokens.push_back(segment.special->content);
    } else if (!segment.text.empty()) {
      tokenize_plain(segment.text, tokens);
    }
  }
  return tokens;
}

std::string ByteLevelBpeTokenizer::describe() const {
  return fmt::format("byte-level BPE ({}), {} tokens, {} merges{}", config_.sequence_template.name,
                     config_.vocab.size(), config_.merges.size(),
                     config_.add_prefix_space ? ", prefix space" : "");
}

}  // namespace setfit::text
