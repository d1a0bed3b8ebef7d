#pragma once

// The part every subword tokeniser here shares: tokenise, then truncate and frame the pieces
// with the model's sequence template.

#include <cstdint>
#include <string>

#include "sequence_template.hpp"
#include "setfit/tokenizer.hpp"

namespace setfit::text {

class TemplatedTokenizer : public Tokenizer {
 public:
  Encoding encode(std::string_view text, std::size_t max_length) const final;
  Encoding encode_pair(std::string_view first, std::string_view second,
                       std::size_t max_length) const final;

 protected:
  virtual const SequenceTemplate& sequence_template() const = 0;
  // The piece's id (the unknown token's for a piece outside the vocabulary).
  virtual std::int64_t id_of(const std::string& token) const = 0;
  virtual const std::string& token_of(std::int64_t id) const = 0;
};

}  // namespace setfit::text
