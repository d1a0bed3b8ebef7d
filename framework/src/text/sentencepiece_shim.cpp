// libsetfit_sentencepiece: Debian's libsentencepiece behind a C interface. It is its own
// module, loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) only when an XLM-RoBERTa tokeniser
// is built, because libsentencepiece carries its own copy of protobuf-lite: linked into a
// process beside LibTorch's libprotobuf, the two interpose on each other and the process
// crashes in their static initialisers. Loaded this way, each keeps its own.

#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#define SETFIT_SPM_API extern "C" __attribute__((visibility("default")))

namespace {

void copy_error(const std::string& message, char* error, std::size_t capacity) {
  if (error == nullptr || capacity == 0) return;
  const std::size_t n = std::min(message.size(), capacity - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

// The processor on success; else null, with the reason in `error`.
void* loaded(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor,
             const sentencepiece::util::Status& status, char* error, std::size_t capacity) {
  if (!status.ok()) {
    copy_error(status.ToString(), error, capacity);
    return nullptr;
  }
  return processor.release();
}

}  // namespace

SETFIT_SPM_API void* setfit_spm_load(const char* path, char* error, std::size_t capacity) {
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = processor->Load(path);
  return loaded(std::move(processor), status, error, capacity);
}

// The same from a serialized ModelProto (a model built from tokenizer.json).
SETFIT_SPM_API void* setfit_spm_load_proto(const char* data, std::size_t length, char* error,
                                           std::size_t capacity) {
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = processor->LoadFromSerializedProto(std::string(data, length));
  return loaded(std::move(processor), status, error, capacity);
}

SETFIT_SPM_API void setfit_spm_free(void* handle) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(handle);
}

SETFIT_SPM_API int setfit_spm_piece_size(const void* handle) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(handle)->GetPieceSize();
}

SETFIT_SPM_API int setfit_spm_unk_id(const void* handle) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(handle)->unk_id();
}

SETFIT_SPM_API int setfit_spm_piece_to_id(const void* handle, const char* piece,
                                          std::size_t length) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(handle)->PieceToId(
      std::string(piece, length));
}

// The piece's text, valid while the model is loaded.
SETFIT_SPM_API const char* setfit_spm_id_to_piece(const void* handle, int id, std::size_t* length) {
  const std::string& piece =
      static_cast<const sentencepiece::SentencePieceProcessor*>(handle)->IdToPiece(id);
  *length = piece.size();
  return piece.data();
}

// Calls emit(context, piece, length) for each piece of `text`; 0 on success, else -1 with
// the reason in `error`.
SETFIT_SPM_API int setfit_spm_encode(const void* handle, const char* text, std::size_t length,
                                     void (*emit)(void*, const char*, std::size_t), void* context,
                                     char* error, std::size_t capacity) {
  std::vector<std::string> pieces;
  const auto status = static_cast<const sentencepiece::SentencePieceProcessor*>(handle)->Encode(
      std::string(text, length), &pieces);
  if (!status.ok()) {
    copy_error(status.ToString(), error, capacity);
    return -1;
  }
  for (const auto& piece : pieces) emit(context, piece.data(), piece.size());
  return 0;
}
