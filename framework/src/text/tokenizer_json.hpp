#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "byte_level_bpe.hpp"
#include "sentencepiece_tokenizer.hpp"
#include "wordpiece_tokenizer.hpp"

namespace setfit::text {

// What a tokenizer.json describes, as one of the tokenisers built here.
using TokenizerJsonConfig = std::variant<WordPieceConfig, ByteLevelBpeConfig, SentencePieceConfig>;

// Reads a Hugging Face tokenizer.json (tokenizers library): a WordPiece model with
// BertNormalizer and BertPreTokenizer, or a byte-level BPE model (BPE with the ByteLevel
// pre-tokeniser, no normaliser), or a Unigram model (Precompiled normaliser, Metaspace: a
// sentencepiece model, rebuilt as one); a Template/Bert/Roberta post-processor. Throws
// setfit::Error "<origin>: ..." for anything malformed or unsupported, an unknown model type
// included.
TokenizerJsonConfig parse_tokenizer_json(std::string_view text, const std::string& origin);
// The tokeniser it describes; errors name `origin`.
std::unique_ptr<Tokenizer> tokenizer_from_json(std::string_view text, const std::string& origin);

}  // namespace setfit::text
