#include "special_tokens.hpp"

#include <algorithm>

#include "unicode.hpp"

namespace setfit::text {
namespace {

// Python's str.rstrip() / lstrip() with no argument.
std::u32string_view rstrip(std::u32string_view s) {
  while (!s.empty() && is_python_space(s.back())) s.remove_suffix(1);
  return s;
}
std::u32string_view lstrip(std::u32string_view s) {
  while (!s.empty() && is_python_space(s.front())) s.remove_prefix(1);
  return s;
}

}  // namespace

SpecialTokenSplitter::SpecialTokenSplitter(std::vector<SpecialToken> tokens) {
  std::erase_if(tokens, [](const SpecialToken& t) { return t.content.empty(); });
  std::stable_sort(tokens.begin(), tokens.end(), [](const auto& a, const auto& b) {
    return a.content.size() > b.content.size();
  });
  tokens_ = std::move(tokens);
  for (const auto& token : tokens_)
    decoded_.push_back(decode_utf8(token.content, "a special token"));
}

std::vector<TextSegment> SpecialTokenSplitter::split(std::u32string_view text) const {
  std::vector<TextSegment> segments;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t found = tokens_.size();
    for (std::size_t s = 0; s < tokens_.size(); ++s) {
      if (text.compare(i, decoded_[s].size(), decoded_[s]) == 0) {
        found = s;
        break;
      }
    }
    if (found == tokens_.size()) {
      ++i;
      continue;
    }
    segments.push_back({text.substr(start, i - start)});
    segments.push_back({text.substr(i, decoded_[found].size()), &tokens_[found]});
    i += decoded_[found].size();
    start = i;
  }
  segments.push_back({text.substr(start)});
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (segments[k].special == nullptr) continue;
    if (segments[k].special->lstrip && k > 0) segments[k - 1].text = rstrip(segments[k - 1].text);
    if (segments[k].special->rstrip && k + 1 < segments.size())
      segments[k + 1].text = lstrip(segments[k + 1].text);
  }
  return segments;
}

}  // namespace setfit::text
