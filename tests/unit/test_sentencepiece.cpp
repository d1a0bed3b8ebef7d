// XLM-RoBERTa's sentencepiece tokeniser beyond the golden ids: unknown characters, the mask
// token's lstrip, and a model file that is not one.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/tokenizer.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

using test::contains;

std::string load_error(const fs::path& dir) {
  try {
    load_tokenizer(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SentencePieceFiles, AFileThatIsNotASentencepieceModelIsNamed) {
  test::TempDir dir;
  const fs::path model = dir.path() / "xlmr";
  fs::copy(test::golden_dir("xlmr-tiny"), model, fs::copy_options::recursive);
  for (auto& entry : fs::recursive_directory_iterator(model))
    fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(model / "sentencepiece.bpe.model") << "not a protocol buffer at all";
  auto error = load_error(model);
  EXPECT_TRUE(
      contains(error, (model / "sentencepiece.bpe.model").string() + ": not a sentencepiece model"))
      << error;
  fs::remove(model / "sentencepiece.bpe.model");
  fs::remove(model / "tokenizer.json");
  error = load_error(model);
  EXPECT_TRUE(contains(error, "sentencepiece.bpe.model: no such file")) << error;
}

TEST(SentencePieceFiles, UnknownCharactersAreOneUnknownTokenAndTheMaskTakesItsSpace) {
  auto tokenizer = load_tokenizer(test::golden_dir("xlmr-tiny"));
  const auto encoding = tokenizer->encode("then <mask> 我爱", 0);
  EXPECT_EQ(std::count(encoding.tokens.begin(), encoding.tokens.end(), "<mask>"), 1);
  EXPECT_EQ(encoding.tokens.front(), "<s>");
  EXPECT_EQ(encoding.tokens.back(), "</s>");
  EXPECT_EQ(encoding.ids.back(), 2);
  EXPECT_EQ(std::count(encoding.ids.begin(), encoding.ids.end(), 3), 1);  // <unk>
  EXPECT_EQ(tokenizer->vocab_size(), 402u);
  EXPECT_TRUE(contains(tokenizer->describe(), "sentencepiece (XLMRobertaTokenizer)"))
      << tokenizer->describe();
}

}  // namespace
}  // namespace setfit
