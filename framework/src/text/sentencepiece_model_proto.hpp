#pragma once

// A sentencepiece model built in memory: its ModelProto written in protobuf's wire format,
// for models that come as a tokenizer.json rather than a .model file. Sentencepiece loads
// the bytes as it loads a file, so its normaliser and Unigram search run unchanged.

#include <string>
#include <vector>

namespace setfit::text {

struct SentencePieceModelSpec {
  // sentencepiece's ModelProto.SentencePiece.Type values.
  enum class PieceType : int { Normal = 1, Unknown = 2, Control = 3 };
  struct Piece {
    std::string text;
    float score = 0.0F;
    PieceType type = PieceType::Normal;
  };
  std::vector<Piece> pieces;  // ids are positions; exactly one Unknown
  // sentencepiece's compiled normalisation rules (tokenizers' Precompiled charsmap, decoded);
  // empty: text is not normalised.
  std::string precompiled_charsmap;
  bool add_dummy_prefix = true;          // a "▁" before the text
  bool remove_extra_whitespaces = true;  // strip the ends, collapse runs of spaces
};

// The ModelProto bytes of a Unigram model.
std::string serialize_model_proto(const SentencePieceModelSpec& spec);

}  // namespace setfit::text
