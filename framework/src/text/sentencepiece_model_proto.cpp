#include "sentencepiece_model_proto.hpp"

#include <bit>
#include <cstdint>

namespace setfit::text {
namespace {

// Field numbers of sentencepiece_model.proto (stable since sentencepiece 0.1.0).
namespace model_proto {
constexpr int kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3;
}
namespace piece_proto {
constexpr int kPiece = 1, kScore = 2, kType = 3;
}
namespace trainer_spec {
constexpr int kModelType = 3, kVocabSize = 4, kUnkId = 40, kUnkPiece = 45;
constexpr int kUnigram = 1;
}  // namespace trainer_spec
namespace normalizer_spec {
constexpr int kName = 1, kPrecompiledCharsmap = 2, kAddDummyPrefix = 3, kRemoveExtraWhitespaces = 4,
              kEscapeWhitespaces = 5;
}

enum WireType : std::uint32_t { kVarint = 0, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_tag(std::string& out, int field, WireType type) {
  put_varint(out, (static_cast<std::uint64_t>(field) << 3) | type);
}

void put_bytes(std::string& out, int field, const std::string& bytes) {
  put_tag(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

void put_uint(std::string& out, int field, std::uint64_t value) {
  put_tag(out, field, kVarint);
  put_varint(out, value);
}

void put_float(std::string& out, int field, float value) {
  put_tag(out, field, kFixed32);
  auto bits = std::bit_cast<std::uint32_t>(value);
  for (int i = 0; i < 4; ++i, bits >>= 8) out.push_back(static_cast<char>(bits & 0xFF));
}

}  // namespace

std::string serialize_model_proto(const SentencePieceModelSpec& spec) {
  std::string out;
  std::size_t unk_id = 0;
  std::string unk_piece;
  for (std::size_t id = 0; id < spec.pieces.size(); ++id) {
    const auto& piece = spec.pieces[id];
    std::string message;
    put_bytes(message, piece_proto::kPiece, piece.text);
    put_float(message, piece_proto::kScore, piece.score);
    put_uint(message, piece_proto::kType, static_cast<std::uint64_t>(piece.type));
    put_bytes(out, model_proto::kPieces, message);
    if (piece.type == SentencePieceModelSpec::PieceType::Unknown) {
      unk_id = id;
      unk_piece = piece.text;
    }
  }
  // sentencepiece finds its unknown piece by name (trainer_spec.unk_piece, "<unk>" unless set).
  std::string trainer;
  put_uint(trainer, trainer_spec::kModelType, trainer_spec::kUnigram);
  put_uint(trainer, trainer_spec::kVocabSize, spec.pieces.size());
  put_uint(trainer, trainer_spec::kUnkId, unk_id);
  put_bytes(trainer, trainer_spec::kUnkPiece, unk_piece);
  put_bytes(out, model_proto::kTrainerSpec, trainer);

  std::string normalizer;
  put_bytes(normalizer, normalizer_spec::kName,
            spec.precompiled_charsmap.empty() ? "identity" : "precompiled");
  if (!spec.precompiled_charsmap.empty())
    put_bytes(normalizer, normalizer_spec::kPrecompiledCharsmap, spec.precompiled_charsmap);
  put_uint(normalizer, normalizer_spec::kAddDummyPrefix, spec.add_dummy_prefix ? 1 : 0);
  put_uint(normalizer, normalizer_spec::kRemoveExtraWhitespaces,
           spec.remove_extra_whitespaces ? 1 : 0);
  put_uint(normalizer, normalizer_spec::kEscapeWhitespaces, 1);
  put_bytes(out, model_proto::kNormalizerSpec, normalizer);
  return out;
}

}  // namespace setfit::text
