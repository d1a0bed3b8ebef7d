#pragma once

#include <string>
#include <string_view>

#include "wordpiece_tokenizer.hpp"

namespace setfit::text {

// Reads a Hugging Face tokenizer.json (tokenizers library) with a WordPiece model,
// BertNormalizer, BertPreTokenizer and a Template/Bert/Roberta post-processor. Throws
// setfit::Error "<origin>: ..." for anything malformed or unsupported.
WordPieceConfig parse_tokenizer_json(std::string_view text, const std::string& origin);

}  // namespace setfit::text
