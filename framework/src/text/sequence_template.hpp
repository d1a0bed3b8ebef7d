#pragma once

// How special tokens frame one sequence or a pair, and truncation: shared by the tokenisers.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "setfit/tokenizer.hpp"

namespace setfit::text {

// One item of a post-processing template: a special token, or sequence A or B, each with
// the token type id its tokens get.
struct TemplatePiece {
  enum class Kind { Special, SequenceA, SequenceB };
  Kind kind = Kind::Special;
  std::string token;  // for Special
  std::int64_t type_id = 0;
};

// How special tokens frame one sequence or a pair (tokenizers' TemplateProcessing).
struct SequenceTemplate {
  std::vector<TemplatePiece> single;
  std::vector<TemplatePiece> pair;
  bool token_types = true;  // whether the model takes token type ids
  std::string name;         // for describe()

  // [CLS] A [SEP] and [CLS] A [SEP] B [SEP], token types 0.. 1..
  static SequenceTemplate bert(const std::string& cls, const std::string& sep);
  // <s> A </s> and <s> A </s></s> B </s>, no token types (MPNet, RoBERTa).
  static SequenceTemplate roberta(const std::string& cls, const std::string& sep);
  std::size_t specials(bool for_pair) const;

  // Truncates the pieces so that the whole, special tokens included, has at most
  // `max_length` tokens (0: no limit; pairs longest-first, as transformers does), then frames
  // them. Ids come from `id_of` (the unknown id for a piece outside the vocabulary), token
  // strings from `token_of` (so an unknown piece reads as the unknown token).
  Encoding assemble(std::vector<std::string> first, const std::vector<std::string>* second,
                    std::size_t max_length,
                    const std::function<std::int64_t(const std::string&)>& id_of,
                    const std::function<const std::string&(std::int64_t)>& token_of) const;
};

}  // namespace setfit::text
