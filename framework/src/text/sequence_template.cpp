#include "sequence_template.hpp"

#include <algorithm>

namespace setfit::text {

SequenceTemplate SequenceTemplate::bert(const std::string& cls, const std::string& sep) {
  using K = TemplatePiece::Kind;
  SequenceTemplate t;
  t.single = {{K::Special, cls, 0}, {K::SequenceA, "", 0}, {K::Special, sep, 0}};
  t.pair = {{K::Special, cls, 0},
            {K::SequenceA, "", 0},
            {K::Special, sep, 0},
            {K::SequenceB, "", 1},
            {K::Special, sep, 1}};
  t.token_types = true;
  t.name = "BERT";
  return t;
}

SequenceTemplate SequenceTemplate::roberta(const std::string& cls, const std::string& sep) {
  using K = TemplatePiece::Kind;
  SequenceTemplate t;
  t.single = {{K::Special, cls, 0}, {K::SequenceA, "", 0}, {K::Special, sep, 0}};
  t.pair = {{K::Special, cls, 0}, {K::SequenceA, "", 0}, {K::Special, sep, 0},
            {K::Special, sep, 0}, {K::SequenceB, "", 0}, {K::Special, sep, 0}};
  t.token_types = false;
  t.name = "MPNet";
  return t;
}

std::size_t SequenceTemplate::specials(bool for_pair) const {
  std::size_t n = 0;
  for (const auto& piece : for_pair ? pair : single)
    n += piece.kind == TemplatePiece::Kind::Special;
  return n;
}

Encoding SequenceTemplate::assemble(
    std::vector<std::string> first, const std::vector<std::string>* second_in,
    std::size_t max_length, const std::function<std::int64_t(const std::string&)>& id_of,
    const std::function<const std::string&(std::int64_t)>& token_of) const {
  std::vector<std::string> second = second_in ? *second_in : std::vector<std::string>{};
  const bool is_pair = second_in != nullptr;
  const std::size_t special_count = specials(is_pair);

  const std::size_t total = first.size() + second.size() + special_count;
  if (max_length > 0 && total > max_length) {
    std::size_t remove = total - std::max(max_length, special_count);
    if (!is_pair) {
      first.resize(first.size() - std::min(remove, first.size()));
    } else {
      // transformers' longest_first: even out the lengths, then take alternately.
      std::size_t diff = first.size() > second.size() ? first.size() - second.size()
                                                      : second.size() - first.size();
      std::size_t first_remove = std::min(diff, remove);
      std::size_t second_remove = remove - first_remove;
      std::size_t from_first, from_second;
      if (first.size() > second.size()) {
        from_first = first_remove + second_remove / 2;
        from_second = second_remove - second_remove / 2;
      } else {
        from_first = second_remove / 2;
        from_second = first_remove + second_remove - second_remove / 2;
      }
      first.resize(first.size() - std::min(from_first, first.size()));
      second.resize(second.size() - std::min(from_second, second.size()));
    }
  }

  Encoding encoding;
  auto push = [&](const std::string& token, std::int64_t type) {
    encoding.ids.push_back(id_of(token));
    encoding.tokens.push_back(token_of(encoding.ids.back()));
    encoding.type_ids.push_back(token_types ? type : 0);
  };
  const auto& pieces = is_pair ? pair : single;
  for (const auto& piece : pieces) {
    switch (piece.kind) {
      case TemplatePiece::Kind::Special:
        push(piece.token, piece.type_id);
        break;
      case TemplatePiece::Kind::SequenceA:
        for (const auto& t : first) push(t, piece.type_id);
        break;
      case TemplatePiece::Kind::SequenceB:
        for (const auto& t : second) push(t, piece.type_id);
        break;
    }
  }
  return encoding;
}

}  // namespace setfit::text
