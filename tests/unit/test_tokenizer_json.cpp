// tokenizer.json alone (no vocab.txt): built here from the golden vocabularies in the
// tokenizers library's format, it must give the golden ids exactly.
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

nlohmann::json tokenizer_json_for(const std::string& model) {
  std::ifstream in(test::golden_dir(model) / "vocab.txt");
  nlohmann::json vocab = nlohmann::json::object();
  std::string line;
  for (std::int64_t id = 0; std::getline(in, line); ++id) vocab[line] = id;
  const bool mpnet = model == "mpnet-tiny";
  nlohmann::json doc;
  doc["version"] = "1.0";
  doc["normalizer"] = {{"type", "BertNormalizer"},
                       {"clean_text", true},
                       {"handle_chinese_chars", true},
                       {"strip_accents", nullptr},
                       {"lowercase", true}};
  doc["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  doc["model"] = {{"type", "WordPiece"},
                  {"unk_token", "[UNK]"},
                  {"continuing_subword_prefix", "##"},
                  {"max_input_chars_per_word", 100},
                  {"vocab", vocab}};
  doc["added_tokens"] = nlohmann::json::array();
  const std::vector<std::string> specials =
      mpnet ? std::vector<std::string>{"<s>", "<pad>", "</s>", "[UNK]", "<mask>"}
            : std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (const auto& s : specials) {
    doc["added_tokens"].push_back({{"id", vocab[s]}, {"content", s}, {"special", true}});
  }
  if (mpnet) {
    doc["post_processor"] = {
        {"type", "RobertaProcessing"}, {"sep", {"</s>", 2}}, {"cls", {"<s>", 0}}};
  } else {
    auto special = [](const char* id, int type) {
      return nlohmann::json{{"SpecialToken", {{"id", id}, {"type_id", type}}}};
    };
    auto sequence = [](const char* id, int type) {
      return nlohmann::json{{"Sequence", {{"id", id}, {"type_id", type}}}};
    };
    doc["post_processor"] = {
        {"type", "TemplateProcessing"},
        {"single", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)}},
        {"pair",
         {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1),
          special("[SEP]", 1)}}};
  }
  return doc;
}

class TokenizerJson : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerJson, AloneGivesTheGoldenIds) {
  test::TempDir dir;
  std::ofstream(dir.path() / "tokenizer.json") << tokenizer_json_for(GetParam()).dump();
  auto tokenizer = load_tokenizer(dir.path());
  const auto& expected = test::golden_expected(GetParam());
  for (const auto& case_ : expected["tokenization"]) {
    const std::string text = case_["text"];
    auto encoding = tokenizer->encode(text, expected["max_length"]);
    EXPECT_EQ(encoding.ids, case_["input_ids"].get<std::vector<std::int64_t>>()) << text;
  }
  const auto& pair = expected["pair_example"];
  auto encoding = tokenizer->encode_pair(pair["text_a"].get<std::string>(),
                                         pair["text_b"].get<std::string>(), expected["max_length"]);
  EXPECT_EQ(encoding.ids, pair["input_ids"].get<std::vector<std::int64_t>>());
  if (pair.contains("token_type_ids") && !pair["token_type_ids"].is_null()) {
    EXPECT_EQ(encoding.type_ids, pair["token_type_ids"].get<std::vector<std::int64_t>>());
  }
}

INSTANTIATE_TEST_SUITE_P(Models, TokenizerJson, ::testing::Values("bert-tiny", "mpnet-tiny"));

std::string load_error(const nlohmann::json& doc) {
  test::TempDir dir;
  std::ofstream(dir.path() / "tokenizer.json") << doc.dump();
  return test::tokenizer_error(dir.path());
}

TEST(TokenizerJsonErrors, UnsupportedModelType) {
  auto doc = tokenizer_json_for("bert-tiny");
  doc["model"]["type"] = "WordLevel";
  EXPECT_TRUE(contains(load_error(doc), "tokenizer.json: model type 'WordLevel' is not supported"));
  // BPE is read only as byte-level BPE: BERT's normaliser and pre-tokeniser are refused.
  doc["model"]["type"] = "BPE";
  doc["model"]["merges"] = nlohmann::json::array();
  EXPECT_TRUE(contains(load_error(doc), "continuing_subword_prefix")) << load_error(doc);
  doc["model"].erase("continuing_subword_prefix");
  EXPECT_TRUE(
      contains(load_error(doc),
               "tokenizer.json: a byte-level BPE model with a normalizer is not supported"));
  doc["normalizer"] = nullptr;
  EXPECT_TRUE(contains(load_error(doc), "needs the ByteLevel pre_tokenizer")) << load_error(doc);
}

TEST(TokenizerJsonErrors, GapsAndClashesInIds) {
  auto doc = tokenizer_json_for("bert-tiny");
  doc["model"]["vocab"]["hello"] = 999;
  EXPECT_TRUE(contains(load_error(doc), "without gaps"));
  doc = tokenizer_json_for("bert-tiny");
  doc["model"]["vocab"]["extra"] = 0;
  EXPECT_TRUE(contains(load_error(doc), "id 0 is given to both"));
}

TEST(TokenizerJsonErrors, AVocabularyOfSpecialTokensAloneIsEmpty) {
  auto doc = tokenizer_json_for("bert-tiny");
  doc["model"]["vocab"] = nlohmann::json::object();
  EXPECT_TRUE(
      contains(load_error(doc), "tokenizer.json: the model's vocabulary ('model.vocab') is empty"))
      << load_error(doc);
}

TEST(TokenizerJsonErrors, UnknownTemplateTokenAndBadShapes) {
  auto doc = tokenizer_json_for("bert-tiny");
  doc["post_processor"]["single"][0]["SpecialToken"]["id"] = "[BOS]";
  EXPECT_TRUE(contains(load_error(doc), "no template token '[BOS]'"));
  doc = tokenizer_json_for("bert-tiny");
  doc["model"] = "WordPiece";
  EXPECT_TRUE(contains(load_error(doc), "'model' must be an object"));
  doc = tokenizer_json_for("bert-tiny");
  doc["normalizer"]["type"] = "NFKC";
  EXPECT_TRUE(contains(load_error(doc), "normalizer type 'NFKC' is not supported"));
}

TEST(TokenizerJsonErrors, MalformedJsonAndInvalidUtf8) {
  test::TempDir dir;
  std::ofstream(dir.path() / "tokenizer.json") << "{\"model\": {";
  try {
    load_tokenizer(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "tokenizer.json: malformed JSON")) << e.what();
  }
  std::ofstream(dir.path() / "tokenizer.json", std::ios::trunc) << "{\"a\": \"\xff\"}";
  try {
    load_tokenizer(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "not valid UTF-8")) << e.what();
    // The offending byte is written as \xFF, never echoed raw to a terminal.
    EXPECT_EQ(std::string(e.what()).find('\xff'), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace setfit

namespace setfit {
namespace {

// A model folder whose only tokeniser file is the tokenizer.json a model ships (written in the
// tokenizers library's format beside the original files): the ids of the original files, on
// the raw and the stripped sentences and the pair.
class TokenizerJsonShipped : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerJsonShipped, AloneGivesTheIdsOfTheOriginalFiles) {
  test::TempDir dir;
  fs::copy_file(test::golden_dir(GetParam()) / "tokenizer.json", dir.path() / "tokenizer.json");
  auto from_json = load_tokenizer(dir.path());
  auto original = load_tokenizer(test::golden_dir(GetParam()));
  const auto& expected = test::golden_expected(GetParam());
  const std::size_t max_length = expected["max_length"];
  for (const auto& case_ : expected["tokenization"]) {
    const std::string text = case_["text"];
    const auto ids = from_json->encode(text, max_length).ids;
    EXPECT_EQ(ids, case_["input_ids"].get<std::vector<std::int64_t>>()) << text;
    EXPECT_EQ(ids, original->encode(text, max_length).ids) << text;
  }
  for (const auto& text : expected["batch_texts"].get<std::vector<std::string>>())
    EXPECT_EQ(from_json->encode(text, 0).ids, original->encode(text, 0).ids) << text;
  const auto& pair = expected["pair_example"];
  EXPECT_EQ(from_json
                ->encode_pair(pair["text_a"].get<std::string>(), pair["text_b"].get<std::string>(),
                              max_length)
                .ids,
            pair["input_ids"].get<std::vector<std::int64_t>>());
}

INSTANTIATE_TEST_SUITE_P(Models, TokenizerJsonShipped,
                         ::testing::Values("distilbert-tiny", "roberta-tiny", "xlmr-tiny"));

TEST(TokenizerJsonShipped, AnUnknownModelKindNamesTheFile) {
  test::TempDir dir;
  auto doc =
      nlohmann::json::parse(test::read_file(test::golden_dir("roberta-tiny") / "tokenizer.json"));
  doc["model"]["type"] = "WordLevel";
  std::ofstream(dir.path() / "tokenizer.json") << doc.dump();
  try {
    load_tokenizer(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), (dir.path() / "tokenizer.json").string() +
                                       ": model type 'WordLevel' is not supported; supported: "
                                       "WordPiece, BPE, Unigram"))
        << e.what();
  }
}

}  // namespace
}  // namespace setfit

namespace setfit {
namespace {

// XLM-R's tokenizer.json: a Unigram model with the Precompiled normaliser and Metaspace.
nlohmann::json unigram_json() {
  return nlohmann::json::parse(test::read_file(test::golden_dir("xlmr-tiny") / "tokenizer.json"));
}

std::string unigram_error(const nlohmann::json& doc) {
  test::TempDir dir;
  std::ofstream(dir.path() / "tokenizer.json") << doc.dump();
  return test::tokenizer_error(dir.path());
}

// Sentencepiece encodes what tokenizer.json describes, so the pieces are the slow
// tokeniser's even where the fast one differs (it keeps a "▁" for trailing whitespace).
TEST(TokenizerJsonUnigram, PiecesAreSentencepiecesOwnOnRawText) {
  test::TempDir dir;
  fs::copy_file(test::golden_dir("xlmr-tiny") / "tokenizer.json", dir.path() / "tokenizer.json");
  auto from_json = load_tokenizer(dir.path());
  auto original = load_tokenizer(test::golden_dir("xlmr-tiny"));
  const auto& expected = test::golden_expected("xlmr-tiny");
  for (const auto& case_ : expected["tokenization"]) {
    const std::string text = case_["text"];
    EXPECT_EQ(from_json->tokenize(text), original->tokenize(text)) << text;
  }
  EXPECT_EQ(from_json->tokenize("ends in spaces   ").back(),
            original->tokenize("ends in spaces   ").back());
  EXPECT_EQ(from_json->vocab_size(), original->vocab_size());
  EXPECT_EQ(from_json->pad_id(), 1);
  EXPECT_FALSE(from_json->uses_token_types());
  EXPECT_TRUE(
      contains(from_json->describe(), "sentencepiece (Unigram), 402 tokens, tokenizer.json"))
      << from_json->describe();
}

TEST(TokenizerJsonUnigram, AnAddedTokenAfterTheVocabularyIsSplitOutWithItsId) {
  auto doc = unigram_json();
  doc["added_tokens"].push_back({{"id", 402}, {"content", "<new>"}, {"special", true}});
  test::TempDir dir;
  std::ofstream(dir.path() / "tokenizer.json") << doc.dump();
  auto tokenizer = load_tokenizer(dir.path());
  const auto encoding = tokenizer->encode("the<new>movie", 0);
  EXPECT_EQ(std::count(encoding.ids.begin(), encoding.ids.end(), 402), 1);
  EXPECT_EQ(tokenizer->vocab_size(), 403u);
  // Without its normaliser, text is not NFKC-normalised: the full-width letter is unknown.
  auto plain = unigram_json();
  plain["normalizer"] = nullptr;
  std::ofstream(dir.path() / "tokenizer.json") << plain.dump();
  auto unnormalised = load_tokenizer(dir.path());
  auto normalised = load_tokenizer(test::golden_dir("xlmr-tiny"));
  EXPECT_NE(normalised->encode("\uFF41", 0).ids, unnormalised->encode("\uFF41", 0).ids);
}

TEST(TokenizerJsonUnigram, MalformedPartsAreNamed) {
  auto doc = unigram_json();
  doc["model"]["vocab"][5] = "just a string";
  EXPECT_TRUE(
      contains(unigram_error(doc), "tokenizer.json: vocabulary entry 5 is not [piece, score]"))
      << unigram_error(doc);
  doc = unigram_json();
  doc["model"]["unk_id"] = 402;
  EXPECT_TRUE(
      contains(unigram_error(doc), "needs 'unk_id', the id of its unknown piece (0 to 401)"))
      << unigram_error(doc);
  doc = unigram_json();
  doc["normalizer"]["normalizers"][0]["precompiled_charsmap"] = "AL*CAACE";
  EXPECT_TRUE(contains(unigram_error(doc),
                       "'precompiled_charsmap': not base64 (character 2 is not a base64 digit)"))
      << unigram_error(doc);
  doc = unigram_json();
  doc["normalizer"]["normalizers"][0]["precompiled_charsmap"] = "AAAA";  // not a charsmap
  EXPECT_TRUE(contains(unigram_error(doc), "tokenizer.json: not a sentencepiece model"))
      << unigram_error(doc);
  doc = unigram_json();
  doc["normalizer"]["normalizers"][1]["content"] = "_";
  EXPECT_TRUE(contains(unigram_error(doc), "is not supported with a Unigram model"))
      << unigram_error(doc);
  doc = unigram_json();
  doc["pre_tokenizer"] = {{"type", "Whitespace"}};
  EXPECT_TRUE(contains(unigram_error(doc), "a Unigram model needs the Metaspace pre_tokenizer"));
  doc = unigram_json();
  doc["pre_tokenizer"]["prepend_scheme"] = "first";
  EXPECT_TRUE(contains(unigram_error(doc), "prepend_scheme 'first' is not supported"));
  doc = unigram_json();
  doc["model"]["byte_fallback"] = true;
  EXPECT_TRUE(contains(unigram_error(doc), "byte_fallback is not supported"));
  doc = unigram_json();
  doc["added_tokens"][4]["content"] = "<masked>";
  EXPECT_TRUE(contains(unigram_error(doc), "id 401 is given to both '<mask>' and '<masked>'"))
      << unigram_error(doc);
  doc = unigram_json();
  doc["model"]["vocab"][7][0] = doc["model"]["vocab"][6][0];  // a piece twice
  EXPECT_TRUE(contains(unigram_error(doc), "tokenizer.json: not a sentencepiece model"))
      << unigram_error(doc);
}

}  // namespace
}  // namespace setfit
