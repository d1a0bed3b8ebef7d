#include "whitespace_tokenizer.hpp"

#include <fmt/format.h>

#include "unicode.hpp"

namespace setfit::text {
namespace {

// Python's string.punctuation.
bool is_ascii_punctuation(char32_t cp) {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
         (cp >= 123 && cp <= 126);
}

std::u32string strip_punctuation(const std::u32string& word) {
  std::size_t begin = 0;
  std::size_t end = word.size();
  while (begin < end && is_ascii_punctuation(word[begin])) ++begin;
  while (end > begin && is_ascii_punctuation(word[end - 1])) --end;
  return word.substr(begin, end - begin);
}

// Contraction suffixes and the words GloVe's tokenised training text has for them.
struct Contraction {
  std::u32string suffix;
  std::u32string word;
};

const std::vector<Contraction>& contractions() {
  static const std::vector<Contraction> all = {
      {U"n't", U"not"},  {U"n’t", U"not"},  {U"'re", U"are"}, {U"'ve", U"have"},
      {U"'ll", U"will"}, {U"'d", U"would"}, {U"'m", U"am"},   {U"'s", U""}};
  return all;
}

// "can't" and "won't" keep their irregular stems.
std::u32string contraction_stem(const std::u32string& stem) {
  if (stem == U"ca") return U"can";
  if (stem == U"wo") return U"will";
  if (stem == U"ai") return U"is";
  return stem;
}

bool is_inner_separator(char32_t cp) {
  return cp == U'-' || cp == U'/' || cp == U'\'' || cp == U'_' || cp == U'.' || cp == U'’' ||
         cp == U'–' || cp == U'—';
}

}  // namespace

template <typename Decide>
void WhitespaceTokenizer::split_compound(const std::u32string& word, Decide& decide) const {
  for (const auto& [suffix, replacement] : contractions()) {
    if (word.size() > suffix.size() &&
        word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0) {
      decide(contraction_stem(word.substr(0, word.size() - suffix.size())));
      if (!replacement.empty()) decide(replacement);
      return;
    }
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i <= word.size(); ++i) {
    if (i == word.size() || is_inner_separator(word[i])) {
      if (i > start) decide(strip_punctuation(word.substr(start, i - start)));
      start = i + 1;
    }
  }
}

WhitespaceTokenizer::WhitespaceTokenizer(std::vector<std::string> vocab,
                                         std::vector<std::string> stop_words, bool do_lower_case,
                                         bool split_compounds)
    : vocab_(std::move(vocab)),
      stop_words_list_(std::move(stop_words)),
      stop_words_(stop_words_list_.begin(), stop_words_list_.end()),
      do_lower_case_(do_lower_case),
      split_compounds_(split_compounds) {
  ids_.reserve(vocab_.size());
  for (std::size_t i = 0; i < vocab_.size(); ++i)
    ids_.emplace(vocab_[i], static_cast<std::int64_t>(i));
}

std::vector<std::string> WhitespaceTokenizer::tokenize(std::string_view text) const {
  std::u32string input = decode_utf8(text);
  if (do_lower_case_) input = python_lower(input);
  std::vector<std::string> tokens;
  // Each candidate form is tried in turn; the first that is a stop word or a known
  // word decides (sentence-transformers' order).
  auto decide = [&](const std::u32string& form) -> bool {
    std::string utf8 = encode_utf8(form);
    if (stop_words_.count(utf8)) return true;
    if (!form.empty() && ids_.count(utf8)) {
      tokens.push_back(std::move(utf8));
      return true;
    }
    return false;
  };
  std::size_t i = 0;
  while (i < input.size()) {
    while (i < input.size() && is_python_space(input[i])) ++i;
    std::size_t start = i;
    while (i < input.size() && !is_python_space(input[i])) ++i;
    if (i == start) continue;
    std::u32string word = input.substr(start, i - start);
    if (decide(word)) continue;
    word = strip_punctuation(word);
    if (decide(word)) continue;
    const std::u32string lower = python_lower(word);
    if (decide(lower) || !split_compounds_) continue;
    split_compound(lower, decide);
  }
  return tokens;
}

Encoding WhitespaceTokenizer::encode(std::string_view text, std::size_t max_length) const {
  Encoding encoding;
  encoding.tokens = tokenize(text);
  if (max_length > 0 && encoding.tokens.size() > max_length) encoding.tokens.resize(max_length);
  for (const auto& token : encoding.tokens) encoding.ids.push_back(ids_.at(token));
  encoding.type_ids.assign(encoding.ids.size(), 0);
  return encoding;
}

Encoding WhitespaceTokenizer::encode_pair(std::string_view first, std::string_view second,
                                          std::size_t max_length) const {
  // Word-level bodies have no pair template: the two texts are simply concatenated.
  std::string joined = std::string(first) + " " + std::string(second);
  return encode(joined, max_length);
}

std::string WhitespaceTokenizer::describe() const {
  return fmt::format("whitespace words, {} tokens, {} stop words, lower-case {}{}", vocab_.size(),
                     stop_words_.size(), do_lower_case_ ? "yes" : "no",
                     split_compounds_ ? ", compounds split" : "");
}

}  // namespace setfit::text
