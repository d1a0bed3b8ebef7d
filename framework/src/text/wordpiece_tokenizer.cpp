#include "wordpiece_tokenizer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "setfit/errors.hpp"
#include "unicode.hpp"

namespace setfit::text {
namespace {

// Python's str.split() with no argument.
std::vector<std::u32string> split_on_space(std::u32string_view text) {
  std::vector<std::u32string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_python_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_python_space(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(WordPieceConfig config) : config_(std::move(config)) {
  ids_.reserve(config_.vocab.size());
  for (std::size_t i = 0; i < config_.vocab.size(); ++i) {
    // The first occurrence wins, as in transformers' load_vocab.
    ids_.emplace(config_.vocab[i], static_cast<std::int64_t>(i));
  }
  unk_id_ = required_id(config_.unk_token, "unknown");
  pad_id_ = required_id(config_.pad_token, "padding");
  for (const auto* pieces : {&config_.sequence_template.single, &config_.sequence_template.pair}) {
    for (const auto& piece : *pieces) {
      if (piece.kind == TemplatePiece::Kind::Special) required_id(piece.token, "template");
    }
  }
  for (const auto& special : config_.special_tokens) {
    if (!special.empty()) specials_.push_back(decode_utf8(special, "a special token"));
  }
  std::sort(specials_.begin(), specials_.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::int64_t WordPieceTokenizer::required_id(const std::string& token, const char* role) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) {
    throw Error(fmt::format("the vocabulary has no {} token '{}'", role, token));
  }
  return it->second;
}

std::int64_t WordPieceTokenizer::id_of(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? unk_id_ : it->second;
}

std::vector<std::u32string> WordPieceTokenizer::basic_tokenize(std::u32string_view text) const {
  // Clean: drop NUL, U+FFFD and control characters; every whitespace becomes a space.
  std::u32string cleaned;
  cleaned.reserve(text.size());
  for (CodePoint cp : text) {
    if (cp == 0 || cp == 0xFFFD || is_bert_control(cp)) continue;
    if (is_bert_whitespace(cp)) {
      cleaned.push_back(U' ');
    } else if (config_.tokenize_chinese_chars && is_cjk(cp)) {
      cleaned.push_back(U' ');
      cleaned.push_back(cp);
      cleaned.push_back(U' ');
    } else {
      cleaned.push_back(cp);
    }
  }
  const bool strip = config_.strip_accents.value_or(config_.do_lower_case);

  std::vector<std::u32string> pieces;
  for (auto& word : split_on_space(nfc(cleaned))) {
    if (config_.do_lower_case) word = python_lower(word);
    if (strip) word = strip_accents(word);
    // Every punctuation character becomes a word of its own.
    std::u32string current;
    for (CodePoint cp : word) {
      if (is_bert_punctuation(cp)) {
        if (!current.empty()) pieces.push_back(std::move(current));
        current.clear();
        pieces.emplace_back(1, cp);
      } else {
        current.push_back(cp);
      }
    }
    if (!current.empty()) pieces.push_back(std::move(current));
  }
  return pieces;
}

void WordPieceTokenizer::wordpiece(const std::u32string& word,
                                   std::vector<std::string>& out) const {
  if (word.size() > config_.max_input_chars_per_word) {
    out.push_back(config_.unk_token);
    return;
  }
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start < word.size()) {
    // Greedy longest match first; continuation pieces carry the prefix.
    std::size_t end = word.size();
    std::string match;
    while (start < end) {
      std::string candidate = encode_utf8(std::u32string_view(word).substr(start, end - start));
      if (start > 0) candidate = config_.continuing_prefix + candidate;
      if (ids_.count(candidate)) {
        match = std::move(candidate);
        break;
      }
      --end;
    }
    if (match.empty()) {
      out.push_back(config_.unk_token);  // one unknown piece makes the whole word unknown
      return;
    }
    pieces.push_back(std::move(match));
    start = end;
  }
  out.insert(out.end(), pieces.begin(), pieces.end());
}

bool WordPieceTokenizer::is_special(std::u32string_view text) const {
  return std::find(specials_.begin(), specials_.end(), text) != specials_.end();
}

std::vector<std::string> WordPieceTokenizer::tokenize(std::string_view text) const {
  const std::u32string input = decode_utf8(text);
  std::vector<std::string> tokens;
  auto flush = [&](std::u32string_view segment) {
    if (segment.empty()) return;
    // transformers lower-cases the text outside special tokens before anything else.
    std::u32string lowered =
        config_.do_lower_case ? python_lower(segment) : std::u32string(segment);
    for (const auto& word : basic_tokenize(lowered)) wordpiece(word, tokens);
  };

  // Special tokens written in the text stay whole: leftmost, then longest match.
  std::size_t segment_start = 0;
  std::size_t i = 0;
  while (i < input.size()) {
    const std::u32string* found = nullptr;
    for (const auto& special : specials_) {
      if (input.compare(i, special.size(), special) == 0) {
        found = &special;
        break;
      }
    }
    if (found == nullptr) {
      ++i;
      continue;
    }
    flush(std::u32string_view(input).substr(segment_start, i - segment_start));
    tokens.push_back(encode_utf8(*found));
    i += found->size();
    segment_start = i;
  }
  flush(std::u32string_view(input).substr(segment_start));
  return tokens;
}

std::string WordPieceTokenizer::describe() const {
  return fmt::format("WordPiece ({}), {} tokens, lower-case {}, strip accents {}",
                     config_.sequence_template.name, config_.vocab.size(),
                     config_.do_lower_case ? "yes" : "no",
                     config_.strip_accents.value_or(config_.do_lower_case) ? "yes" : "no");
}

}  // namespace setfit::text
