#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sequence_template.hpp"
#include "setfit/tokenizer.hpp"
#include "special_tokens.hpp"
#include "templated_tokenizer.hpp"

namespace setfit::text {

struct SentencePieceConfig {
  // How ids are numbered and sequences framed.
  enum class Numbering {
    // XLM-R's over a .model file: fairseq's <s> 0, <pad> 1, </s> 2, <unk> 3, then
    // sentencepiece's ids + 1 (its unknown piece is <unk>), <mask> last; `<s> A </s>` and
    // `<s> A </s></s> B </s>`.
    Fairseq,
    // The model's own ids, framed by `sequence_template`, padded with `pad_token` (a model
    // built from tokenizer.json, whose ids are already the model's).
    Model,
  };
  std::filesystem::path model_file;  // a sentencepiece model (.model), or
  std::string serialized_model;      // its ModelProto bytes, used when not empty
  std::string origin;                // what errors name for serialized_model
  std::vector<SpecialToken> special_tokens;
  std::string tokenizer_class = "XLMRobertaTokenizer";
  Numbering numbering = Numbering::Fairseq;
  SequenceTemplate sequence_template;  // Numbering::Model only
  std::string pad_token;               // Numbering::Model only
};

// A sentencepiece tokeniser exactly as transformers' slow XLMRobertaTokenizer: special tokens
// split out first, the rest encoded by sentencepiece itself (Debian's libsentencepiece: its
// normaliser and Unigram or BPE model, loaded through the libsetfit_sentencepiece module
// beside libsetfit), ids as `numbering` says. No token types.
class SentencePieceTokenizer final : public TemplatedTokenizer {
 public:
  // Throws setfit::Error naming the file when it is not a sentencepiece model, or (numbering
  // Model) a template or padding token is not one of its pieces.
  explicit SentencePieceTokenizer(SentencePieceConfig config);
  ~SentencePieceTokenizer() override;

  std::vector<std::string> tokenize(std::string_view text) const override;
  std::int64_t pad_id() const override { return pad_id_; }
  bool uses_token_types() const override { return false; }
  std::size_t vocab_size() const override;
  std::string describe() const override;

 private:
  const SequenceTemplate& sequence_template() const override { return template_; }
  std::int64_t id_of(const std::string& token) const override;
  const std::string& token_of(std::int64_t id) const override;

  struct Model;  // the loaded model, through the module's C interface
  SentencePieceConfig config_;
  std::unique_ptr<Model> model_;
  SpecialTokenSplitter specials_;
  SequenceTemplate template_;
  std::int64_t pad_id_ = 1;
};

}  // namespace setfit::text
