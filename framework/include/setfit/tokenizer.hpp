#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "setfit/export.hpp"

namespace setfit {

// One tokenised input, special tokens included.
struct Encoding {
  std::vector<std::string> tokens;
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> type_ids;  // segment ids (0 for A, 1 for B); all 0 without types
};

class SETFIT_API Tokenizer {
 public:
  virtual ~Tokenizer();
  // The word pieces of `text`, without special tokens or truncation.
  virtual std::vector<std::string> tokenize(std::string_view text) const = 0;
  // Special tokens added; truncated so the whole, special tokens included, has at most
  // `max_length` tokens (0: no limit).
  virtual Encoding encode(std::string_view text, std::size_t max_length) const = 0;
  // A sentence pair, truncated longest-first.
  virtual Encoding encode_pair(std::string_view first, std::string_view second,
                               std::size_t max_length) const = 0;
  virtual std::int64_t pad_id() const = 0;
  // Whether the model takes token type ids (BERT does, MPNet does not).
  virtual bool uses_token_types() const = 0;
  virtual std::size_t vocab_size() const = 0;
  // One line: kind, vocabulary size and settings.
  virtual std::string describe() const = 0;
};

// The tokeniser of a Hugging Face model folder: tokenizer_config.json and vocab.txt
// (BertTokenizer, MPNetTokenizer and relatives). `default_class` is used when
// tokenizer_config.json names no tokenizer_class (a body passes its architecture's).
// Throws setfit::Error naming the file and the problem.
SETFIT_API std::unique_ptr<Tokenizer> load_tokenizer(
    const std::filesystem::path& model_dir, std::string_view default_class = "BertTokenizer");

}  // namespace setfit
