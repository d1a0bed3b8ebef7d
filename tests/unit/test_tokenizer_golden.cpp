// Token ids against transformers' slow BertTokenizer / MPNetTokenizer (tests/data/golden).
#include <gtest/gtest.h>

#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/tokenizer.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

class TokenizerGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerGolden, WordPiecesMatchUntruncated) {
  auto tokenizer = load_tokenizer(test::golden_dir(GetParam()));
  const auto& expected = test::golden_expected(GetParam());
  for (const auto& case_ : expected["tokenization"]) {
    const std::string text = case_["text"];
    EXPECT_EQ(tokenizer->tokenize(text),
              case_["wordpieces_untruncated"].get<std::vector<std::string>>())
        << "text: " << text;
  }
}

TEST_P(TokenizerGolden, IdsMatchWithSpecialTokensAndTruncation) {
  auto tokenizer = load_tokenizer(test::golden_dir(GetParam()));
  const auto& expected = test::golden_expected(GetParam());
  const std::size_t max_length = expected["max_length"];
  for (const auto& case_ : expected["tokenization"]) {
    const std::string text = case_["text"];
    Encoding encoding = tokenizer->encode(text, max_length);
    EXPECT_EQ(encoding.tokens, case_["tokens"].get<std::vector<std::string>>()) << text;
    EXPECT_EQ(encoding.ids, case_["input_ids"].get<std::vector<std::int64_t>>()) << text;
    if (case_.contains("token_type_ids")) {
      EXPECT_EQ(encoding.type_ids, case_["token_type_ids"].get<std::vector<std::int64_t>>());
    }
  }
}

TEST_P(TokenizerGolden, PairEncodingMatches) {
  auto tokenizer = load_tokenizer(test::golden_dir(GetParam()));
  const auto& pair = test::golden_expected(GetParam())["pair_example"];
  const std::size_t max_length = test::golden_expected(GetParam())["max_length"];
  Encoding encoding = tokenizer->encode_pair(pair["text_a"].get<std::string>(),
                                             pair["text_b"].get<std::string>(), max_length);
  EXPECT_EQ(encoding.tokens, pair["tokens"].get<std::vector<std::string>>());
  EXPECT_EQ(encoding.ids, pair["input_ids"].get<std::vector<std::int64_t>>());
  if (pair.contains("token_type_ids") && !pair["token_type_ids"].is_null()) {
    EXPECT_EQ(encoding.type_ids, pair["token_type_ids"].get<std::vector<std::int64_t>>());
  }
}

INSTANTIATE_TEST_SUITE_P(Models, TokenizerGolden,
                         ::testing::Values("bert-tiny", "mpnet-tiny", "distilbert-tiny",
                                           "roberta-tiny", "xlmr-tiny"));

TEST(Tokenizer, MissingVocabularyNamesTheFile) {
  test::TempDir dir;
  std::ofstream(dir.path() / "tokenizer_config.json") << R"({"tokenizer_class": "BertTokenizer"})";
  try {
    load_tokenizer(dir.path());
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocab.txt: no such file"), std::string::npos) << e.what();
  }
}

TEST(Tokenizer, MalformedConfigNamesTheFile) {
  test::TempDir dir;
  std::ofstream(dir.path() / "tokenizer_config.json") << R"({"do_lower_case": tru)";
  try {
    load_tokenizer(dir.path());
    FAIL() << "expected Error";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("tokenizer_config.json: malformed JSON"), std::string::npos) << message;
  }
}

TEST(Tokenizer, InvalidUtf8InputIsAClearError) {
  auto tokenizer = load_tokenizer(test::golden_dir("bert-tiny"));
  try {
    tokenizer->tokenize("abc\xff\xfe");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not valid UTF-8 (byte offset 3"), std::string::npos)
        << e.what();
  }
}

TEST(Tokenizer, WordsLongerThan100CharactersAreUnknown) {
  auto tokenizer = load_tokenizer(test::golden_dir("bert-tiny"));
  EXPECT_EQ(tokenizer->tokenize(std::string(101, 'a')), std::vector<std::string>{"[UNK]"});
  EXPECT_NE(tokenizer->tokenize(std::string(100, 'a')), std::vector<std::string>{"[UNK]"});
}

}  // namespace
}  // namespace setfit
