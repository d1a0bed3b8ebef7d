// Byte-level BPE (RoBERTa): GPT-2's pre-tokenisation pattern piece by piece, and model
// folders whose vocab.json or merges.txt are broken or do not match: errors naming the file.
#include <gtest/gtest.h>

#include <fstream>

#include "../../framework/src/text/byte_level_bpe.hpp"
#include "../../framework/src/text/unicode.hpp"
#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/tokenizer.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

using test::contains;

std::vector<std::string> pieces(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& piece : text::gpt2_pre_tokenize(text::decode_utf8(text)))
    out.push_back(text::encode_utf8(piece));
  return out;
}

TEST(Gpt2PreTokenize, SplitsAsThePatternDoes) {
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces("Hello, world!"), (V{"Hello", ",", " world", "!"}));
  EXPECT_EQ(pieces("it's they'll I'M"), (V{"it", "'s", " they", "'ll", " I", "'", "M"}));
  EXPECT_EQ(pieces("abc123 4.5%"), (V{"abc", "123", " 4", ".", "5", "%"}));
  // A whitespace run leaves its last space to the word after it; at the end it stays whole.
  EXPECT_EQ(pieces("a   b  "), (V{"a", "  ", " b", "  "}));
  EXPECT_EQ(pieces("a\tb\n\nc"), (V{"a", "\t", "b", "\n", "\n", "c"}));
  EXPECT_EQ(pieces(" ...!? x"), (V{" ...!?", " x"}));
  EXPECT_EQ(pieces("naïve 東京"), (V{"naïve", " 東京"}));
  EXPECT_EQ(pieces(""), V{});
}

// The golden RoBERTa folder with its original tokeniser files only.
fs::path copy_roberta(const test::TempDir& dir) {
  const fs::path target = test::copy_golden(dir.path(), "roberta-tiny");
  fs::remove(target / "tokenizer.json");
  return target;
}

TEST(ByteLevelBpeFiles, AMergeOutsideTheVocabularyNamesMergesTxt) {
  test::TempDir dir;
  const auto model = copy_roberta(dir);
  std::ofstream(model / "merges.txt", std::ios::app) << "q zz\n";
  const auto error = test::tokenizer_error(model);
  EXPECT_TRUE(contains(error, (model / "merges.txt").string())) << error;
  EXPECT_TRUE(contains(error, "'zz' is not in the vocabulary")) << error;
}

TEST(ByteLevelBpeFiles, AMalformedMergeLineIsNamedWithItsLine) {
  test::TempDir dir;
  const auto model = copy_roberta(dir);
  std::ofstream(model / "merges.txt") << "#version: 0.2\nh e\nthree parts here\n";
  const auto error = test::tokenizer_error(model);
  EXPECT_TRUE(contains(error, (model / "merges.txt").string() + ":3: expected two symbols"))
      << error;
}

TEST(ByteLevelBpeFiles, ABrokenVocabularyIsNamed) {
  test::TempDir dir;
  const auto model = copy_roberta(dir);
  std::ofstream(model / "vocab.json") << R"({"<s>": 0, "<pad>": 5})";
  auto error = test::tokenizer_error(model);
  EXPECT_TRUE(contains(error, "vocab.json: token '<pad>' has id 5")) << error;
  std::ofstream(model / "vocab.json") << R"({"<s>": 0, "<pad>": 0})";
  error = test::tokenizer_error(model);
  EXPECT_TRUE(contains(error, "vocab.json: id 0 is given twice")) << error;
  std::ofstream(model / "vocab.json") << "[1, 2]";
  error = test::tokenizer_error(model);
  EXPECT_TRUE(contains(error, "vocab.json: not a vocabulary")) << error;
  fs::remove(model / "vocab.json");
  error = test::tokenizer_error(model);
  EXPECT_TRUE(contains(error, "vocab.json")) << error;
}

TEST(ByteLevelBpeFiles, TheMaskTokenTakesTheSpaceBeforeIt) {
  auto tokenizer = load_tokenizer(test::golden_dir("roberta-tiny"));
  const auto tokens = tokenizer->tokenize("then <mask> and");
  ASSERT_GE(tokens.size(), 2u);
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), "<mask>"), 1) << tokens.size();
  // No piece of the text before it ends in the space it took ("Ġ" alone).
  const auto mask = std::find(tokens.begin(), tokens.end(), "<mask>");
  ASSERT_NE(mask, tokens.begin());
  EXPECT_NE(*std::prev(mask), "\xC4\xA0");
  EXPECT_TRUE(contains(tokenizer->describe(), "byte-level BPE (RobertaTokenizer)"))
      << tokenizer->describe();
}

}  // namespace
}  // namespace setfit
