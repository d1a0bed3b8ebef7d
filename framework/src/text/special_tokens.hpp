#pragma once

// Special tokens written literally in a text, as transformers' slow tokenisers split them out
// before tokenising the rest: leftmost, then longest match, each taking the spaces beside it
// as its AddedToken's lstrip / rstrip say.

#include <string>
#include <string_view>
#include <vector>

namespace setfit::text {

struct SpecialToken {
  std::string content;
  bool lstrip = false;  // takes the spaces before it (RoBERTa's and XLM-R's <mask>)
  bool rstrip = false;  // takes the spaces after it
};

// A piece of a text: plain text to tokenise, or one special token.
struct TextSegment {
  std::u32string_view text;
  const SpecialToken* special = nullptr;
};

class SpecialTokenSplitter {
 public:
  explicit SpecialTokenSplitter(std::vector<SpecialToken> tokens);
  // Segments of `text` in order (plain ones may be empty); views into `text`.
  std::vector<TextSegment> split(std::u32string_view text) const;

 private:
  std::vector<SpecialToken> tokens_;  // longest first
  std::vector<std::u32string> decoded_;
};

}  // namespace setfit::text
