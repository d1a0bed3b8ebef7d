#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sequence_template.hpp"
#include "setfit/tokenizer.hpp"
#include "special_tokens.hpp"
#include "templated_tokenizer.hpp"

namespace setfit::text {

struct ByteLevelBpeConfig {
  std::vector<std::string> vocab;                           // id -> token, dense
  std::vector<std::pair<std::string, std::string>> merges;  // by rank, first is best
  std::string unk_token = "<unk>";
  std::string pad_token = "<pad>";
  std::vector<SpecialToken> special_tokens;
  bool add_prefix_space = false;  // a space before a text that starts with none
  SequenceTemplate sequence_template = SequenceTemplate::roberta("<s>", "</s>");
};

// GPT-2's byte-level BPE exactly as transformers' slow RobertaTokenizer: special tokens split
// out first (leftmost-longest, lstrip/rstrip applied to the neighbouring text), GPT-2's
// pre-tokenisation pattern, each piece's UTF-8 bytes mapped to printable characters, then
// merges by rank.
class ByteLevelBpeTokenizer final : public TemplatedTokenizer {
 public:
  // Throws setfit::Error when a merge's parts or result are not in the vocabulary, or a
  // template or padding token is missing.
  explicit ByteLevelBpeTokenizer(ByteLevelBpeConfig config);

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
  void bpe(const std::u32string& piece, std::vector<std::string>& out) const;
  void tokenize_plain(std::u32string_view text, std::vector<std::string>& out) const;

  ByteLevelBpeConfig config_;
  std::unordered_map<std::string, std::int64_t> ids_;
  std::unordered_map<std::string, std::size_t> ranks_;  // "left right" -> rank
  SpecialTokenSplitter specials_;
  std::int64_t unk_id_ = -1, pad_id_ = 0;
};

// GPT-2's pre-tokenisation: the matches of
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// in order (exposed for tests).
SETFIT_API std::vector<std::u32string> gpt2_pre_tokenize(std::u32string_view text);

}  // namespace setfit::text
