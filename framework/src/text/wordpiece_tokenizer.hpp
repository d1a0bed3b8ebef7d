#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sequence_template.hpp"
#include "setfit/tokenizer.hpp"
#include "templated_tokenizer.hpp"

namespace setfit::text {

struct WordPieceConfig {
  std::vector<std::string> vocab;  // id -> token
  bool do_lower_case = true;
  std::optional<bool> strip_accents;  // unset: follow do_lower_case
  bool tokenize_chinese_chars = true;
  std::size_t max_input_chars_per_word = 100;
  std::string continuing_prefix = "##";
  std::string unk_token = "[UNK]";
  std::string pad_token = "[PAD]";
  // Every special token: written literally in a text, it stays one token.
  std::vector<std::string> special_tokens;
  SequenceTemplate sequence_template = SequenceTemplate::bert("[CLS]", "[SEP]");
};

// BERT's WordPiece exactly as transformers' slow BertTokenizer / MPNetTokenizer: special
// tokens split out first, then clean-up, CJK spacing, NFC, lower-casing and accent
// stripping as configured, punctuation split, greedy longest-match-first word pieces.
class WordPieceTokenizer final : public TemplatedTokenizer {
 public:
  explicit WordPieceTokenizer(WordPieceConfig config);

  std::vector<std::string> tokenize(std::string_view text) const override;
  std::int64_t pad_id() const override { return pad_id_; }
  bool uses_token_types() const override { return config_.sequence_template.token_types; }
  std::size_t vocab_size() const override { return config_.vocab.size(); }
  std::string describe() const override;

 private:
  const SequenceTemplate& sequence_template() const override { return config_.sequence_template; }
  std::int64_t id_of(const std::string& token) const override;
  const std::string& token_of(std::int64_t id) const override {
    return config_.vocab[static_cast<std::size_t>(id)];
  }
  std::int64_t required_id(const std::string& token, const char* role) const;
  bool is_special(std::u32string_view text) const;
  // BasicTokenizer on one segment that holds no special token.
  std::vector<std::u32string> basic_tokenize(std::u32string_view text) const;
  void wordpiece(const std::u32string& word, std::vector<std::string>& out) const;

  WordPieceConfig config_;
  std::unordered_map<std::string, std::int64_t> ids_;
  std::vector<std::u32string> specials_;  // longest first, for leftmost-longest matching
  std::int64_t unk_id_ = 0, pad_id_ = 0;
};

}  // namespace setfit::text
