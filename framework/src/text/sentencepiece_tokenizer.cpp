#include "sentencepiece_tokenizer.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <array>
#include <mutex>

#include "setfit/errors.hpp"
#include "setfit/sanitizers.hpp"
#include "unicode.hpp"

namespace fs = std::filesystem;

namespace setfit::text {

using Numbering = SentencePieceConfig::Numbering;

namespace {

// fairseq's first four ids, which XLM-R keeps; sentencepiece's ids follow, shifted by one.
const std::array<std::string, 4> kFairseqTokens = {"<s>", "<pad>", "</s>", "<unk>"};
constexpr std::int64_t kUnknownId = 3;
constexpr std::int64_t kOffset = 1;
const std::string kMask = "<mask>";
constexpr std::size_t kErrorCapacity = 512;

// The libsetfit_sentencepiece module's C interface (sentencepiece_shim.cpp).
struct ShimApi {
  void* (*load)(const char*, char*, std::size_t) = nullptr;
  void* (*load_proto)(const char*, std::size_t, char*, std::size_t) = nullptr;
  void (*free)(void*) = nullptr;
  int (*piece_size)(const void*) = nullptr;
  int (*unk_id)(const void*) = nullptr;
  int (*piece_to_id)(const void*, const char*, std::size_t) = nullptr;
  const char* (*id_to_piece)(const void*, int, std::size_t*) = nullptr;
  int (*encode)(const void*, const char*, std::size_t, void (*)(void*, const char*, std::size_t),
                void*, char*, std::size_t) = nullptr;
};

// AddressSanitizer refuses RTLD_DEEPBIND (it would bypass its interceptors); sanitized
// builds (the fuzzers) link no LibTorch, so there is no clash to avoid there.
constexpr int kDeepBind = setfit::kAddressSanitizer ? 0 : RTLD_DEEPBIND;

// Where the module lives: <libdir>/setfit/ beside the library holding this code.
fs::path shim_path() {
  Dl_info info{};
  static const int anchor = 0;
  if (dladdr(&anchor, &info) != 0 && info.dli_fname != nullptr) {
    std::error_code ec;
    const fs::path library = fs::weakly_canonical(info.dli_fname, ec);
    return (ec ? fs::path(info.dli_fname) : library).parent_path() / "setfit" /
           "libsetfit_sentencepiece.so";
  }
  return "libsetfit_sentencepiece.so";
}

// Loaded once per process, kept for its lifetime (models point into it).
const ShimApi& shim() {
  static ShimApi api;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    const fs::path path = shim_path();
    // Local and deep-bound: libsentencepiece's own protobuf-lite stays out of the process's
    // global symbols, where LibTorch's libprotobuf is.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | kDeepBind);
    if (handle == nullptr) {
      failure =
          fmt::format("cannot load {} (XLM-RoBERTa's tokeniser): {}", path.string(), dlerror());
      return;
    }
    const auto symbol = [&](const char* name) {
      void* found = dlsym(handle, name);
      if (found == nullptr && failure.empty())
        failure = fmt::format("{}: no symbol {}", path.string(), name);
      return found;
    };
    api.load = reinterpret_cast<decltype(api.load)>(symbol("setfit_spm_load"));
    api.load_proto = reinterpret_cast<decltype(api.load_proto)>(symbol("setfit_spm_load_proto"));
    api.free = reinterpret_cast<decltype(api.free)>(symbol("setfit_spm_free"));
    api.piece_size = reinterpret_cast<decltype(api.piece_size)>(symbol("setfit_spm_piece_size"));
    api.unk_id = reinterpret_cast<decltype(api.unk_id)>(symbol("setfit_spm_unk_id"));
    api.piece_to_id = reinterpret_cast<decltype(api.piece_to_id)>(symbol("setfit_spm_piece_to_id"));
    api.id_to_piece = reinterpret_cast<decltype(api.id_to_piece)>(symbol("setfit_spm_id_to_piece"));
    api.encode = reinterpret_cast<decltype(api.encode)>(symbol("setfit_spm_encode"));
  });
  if (!failure.empty()) throw Error(failure);
  return api;
}

}  // namespace

struct SentencePieceTokenizer::Model {
  Model(const ShimApi& loaded_api, void* loaded) : api(loaded_api), handle(loaded) {}
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model() {
    if (handle != nullptr) api.free(handle);
  }
  const ShimApi& api;
  void* handle = nullptr;
};

SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceConfig config)
    : config_(std::move(config)),
      specials_(config_.special_tokens),
      template_(config_.numbering == Numbering::Fairseq ? SequenceTemplate::roberta("<s>", "</s>")
                                                        : config_.sequence_template) {
  const ShimApi& api = shim();
  const bool in_memory = !config_.serialized_model.empty();
  if (!in_memory) config_.origin = config_.model_file.string();
  char error[kErrorCapacity] = {};
  void* handle = in_memory ? api.load_proto(config_.serialized_model.data(),
                                            config_.serialized_model.size(), error, sizeof error)
                           : api.load(config_.model_file.c_str(), error, sizeof error);
  if (handle == nullptr)
    throw Error(fmt::format("{}: not a sentencepiece model: {}", config_.origin, error));
  model_ = std::make_unique<Model>(api, handle);
  config_.serialized_model = {};  // sentencepiece holds its own copy
  if (api.piece_size(handle) < 1)
    throw Error(fmt::format("{}: the sentencepiece model has no pieces", config_.origin));
  template_.name = config_.tokenizer_class;
  template_.token_types = false;
  if (config_.numbering == Numbering::Model) {
    const auto require = [&](const std::string& token, const char* role) {
      const int id = api.piece_to_id(handle, token.data(), token.size());
      if (id == api.unk_id(handle) && token != token_of(id))
        throw Error(fmt::format("{}: the {} token '{}' is not in the vocabulary", config_.origin,
                                role, token));
      return id;
    };
    for (const auto* pieces : {&template_.single, &template_.pair})
      for (const auto& piece : *pieces)
        if (piece.kind == TemplatePiece::Kind::Special) require(piece.token, "template");
    pad_id_ = require(config_.pad_token, "padding");
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::size_t SentencePieceTokenizer::vocab_size() const {
  const auto pieces = static_cast<std::size_t>(model_->api.piece_size(model_->handle));
  // Fairseq: sentencepiece's pieces, the offset, and <mask> last.
  return config_.numbering == Numbering::Model ? pieces : pieces + kOffset + 1;
}

std::int64_t SentencePieceTokenizer::id_of(const std::string& token) const {
  const auto& api = model_->api;
  const int id = api.piece_to_id(model_->handle, token.data(), token.size());
  if (config_.numbering == Numbering::Model) return id;  // the unknown id when not a piece
  for (std::size_t i = 0; i < kFairseqTokens.size(); ++i)
    if (token == kFairseqTokens[i]) return static_cast<std::int64_t>(i);
  if (token == kMask) return static_cast<std::int64_t>(vocab_size()) - 1;
  return id == api.unk_id(model_->handle) ? kUnknownId : id + kOffset;
}

const std::string& SentencePieceTokenizer::token_of(std::int64_t id) const {
  std::int64_t piece_id = id;
  if (config_.numbering == Numbering::Fairseq) {
    if (id < static_cast<std::int64_t>(kFairseqTokens.size()))
      return kFairseqTokens[static_cast<std::size_t>(id)];
    if (id == static_cast<std::int64_t>(vocab_size()) - 1) return kMask;
    piece_id = id - kOffset;
  }
  // Pieces are copied out once: the module hands out views into its own strings.
  thread_local std::string piece;
  std::size_t length = 0;
  const char* data = model_->api.id_to_piece(model_->handle, static_cast<int>(piece_id), &length);
  piece.assign(data, length);
  return piece;
}

std::vector<std::string> SentencePieceTokenizer::tokenize(std::string_view text) const {
  const std::u32string input = decode_utf8(text);
  std::vector<std::string> tokens;
  for (const auto& segment : specials_.split(input)) {
    if (segment.special != nullptr) {
      tokens.push_back(segment.special->content);
      continue;
    }
    if (segment.text.empty()) continue;
    const std::string utf8 = encode_utf8(segment.text);
    char error[kErrorCapacity] = {};
    const auto emit = [](void* out, const char* piece, std::size_t length) {
      static_cast<std::vector<std::string>*>(out)->emplace_back(piece, length);
    };
    if (model_->api.encode(model_->handle, utf8.data(), utf8.size(), emit, &tokens, error,
                           sizeof error) != 0) {
      throw Error(fmt::format("sentencepiece: {}", error));
    }
  }
  return tokens;
}

std::string SentencePieceTokenizer::describe() const {
  return fmt::format("sentencepiece ({}), {} tokens, {}", config_.tokenizer_class, vocab_size(),
                     fs::path(config_.origin).filename().string());
}

}  // namespace setfit::text
