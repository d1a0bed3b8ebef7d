#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "setfit/tokenizer.hpp"

namespace setfit::text {

// sentence-transformers' WhitespaceTokenizer, the word-level tokeniser of static
// word-embedding bodies: split on whitespace; a word not in the vocabulary is retried
// without surrounding punctuation, then lower-cased; stop words and unknown words are
// dropped. No special tokens; padding uses id 0.
//
// With `split_compounds` (setfit-cpp's own option, off in sentence-transformers), a word
// still unknown after those retries is split the way GloVe's training text was: a
// contraction into its stem and "not"/"are"/"have"/... ("don't" -> "do not", "can't" ->
// "can not"), anything else at inner punctuation ("cutting-room" -> "cutting room").
class WhitespaceTokenizer final : public Tokenizer {
 public:
  WhitespaceTokenizer(std::vector<std::string> vocab, std::vector<std::string> stop_words,
                      bool do_lower_case, bool split_compounds = false);

  std::vector<std::string> tokenize(std::string_view text) const override;
  Encoding encode(std::string_view text, std::size_t max_length) const override;
  Encoding encode_pair(std::string_view first, std::string_view second,
                       std::size_t max_length) const override;
  std::int64_t pad_id() const override { return 0; }
  bool uses_token_types() const override { return false; }
  std::size_t vocab_size() const override { return vocab_.size(); }
  std::string describe() const override;

  const std::vector<std::string>& vocab() const { return vocab_; }
  const std::vector<std::string>& stop_words() const { return stop_words_list_; }
  bool do_lower_case() const { return do_lower_case_; }
  bool split_compounds() const { return split_compounds_; }

 private:
  // Splits an unknown word (see the class comment), passing each part to `decide`.
  template <typename Decide>
  void split_compound(const std::u32string& word, Decide& decide) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, std::int64_t> ids_;
  std::vector<std::string> stop_words_list_;
  std::unordered_set<std::string> stop_words_;
  bool do_lower_case_;
  bool split_compounds_;
};

}  // namespace setfit::text
