#include "templated_tokenizer.hpp"

namespace setfit::text {

Encoding TemplatedTokenizer::encode(std::string_view text, std::size_t max_length) const {
  return sequence_template().assemble(
      tokenize(text), nullptr, max_length, [this](const std::string& t) { return id_of(t); },
      [this](std::int64_t id) -> const std::string& { return token_of(id); });
}

Encoding TemplatedTokenizer::encode_pair(std::string_view first, std::string_view second,
                                         std::size_t max_length) const {
  const auto second_tokens = tokenize(second);
  return sequence_template().assemble(
      tokenize(first), &second_tokens, max_length,
      [this](const std::string& t) { return id_of(t); },
      [this](std::int64_t id) -> const std::string& { return token_of(id); });
}

}  // namespace setfit::text
