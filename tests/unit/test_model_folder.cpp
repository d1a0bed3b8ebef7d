// Model folders: save/load round trips and clear errors for broken folders.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/safetensors.hpp"
#include "setfit/sentence_encoder.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

using test::contains;

std::string load_error(const fs::path& dir) {
  try {
    SentenceEncoder::load(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Appends module `index` (folder `path`, a sentence_transformers.models class) to modules.json.
void append_module(const fs::path& model, int index, const std::string& path,
                   const std::string& type) {
  auto modules = nlohmann::json::parse(test::read_file(model / "modules.json"));
  modules.push_back({{"idx", index},
                     {"name", std::to_string(index)},
                     {"path", path},
                     {"type", "sentence_transformers.models." + type}});
  std::ofstream(model / "modules.json") << modules.dump();
}

const std::vector<std::string> kTexts = {"Hello, world!", "The movie was GREAT.", "", "déjà vu"};

class ModelFolder : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelFolder, LoadSaveLoadIsBitIdentical) {
  test::TempDir dir;
  auto original = SentenceEncoder::load(test::golden_dir(GetParam()));
  auto before = original->encode(kTexts);
  original->save(dir.path() / "saved");
  auto reloaded = SentenceEncoder::load(dir.path() / "saved");
  EXPECT_TRUE(torch::equal(before, reloaded->encode(kTexts)));
  auto a = original->named_parameters();
  auto b = reloaded->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
  }
  for (const char* file : {"modules.json", "config.json", "1_Pooling/config.json",
                           "tokenizer_config.json", "sentence_bert_config.json"}) {
    EXPECT_TRUE(fs::exists(dir.path() / "saved" / file)) << file;
  }
  // The tokeniser's own files, whichever kind it is.
  for (const char* file : {"vocab.txt", "vocab.json", "merges.txt", "tokenizer.json"}) {
    EXPECT_EQ(fs::exists(dir.path() / "saved" / file),
              fs::exists(test::golden_dir(GetParam()) / file))
        << file;
  }
  // The pooling config holds only keys every sentence-transformers from 2.2 accepts: the
  // golden one, which sentence-transformers wrote.
  EXPECT_EQ(nlohmann::json::parse(test::read_file(dir.path() / "saved" / "1_Pooling/config.json")),
            nlohmann::json::parse(
                test::read_file(test::golden_dir(GetParam()) / "1_Pooling/config.json")));
}

TEST_P(ModelFolder, InfoDescribesTheModel) {
  auto info = SentenceEncoder::load(test::golden_dir(GetParam()))->info();
  EXPECT_EQ(info.hidden_size, 32);
  EXPECT_EQ(info.layers, 2);
  EXPECT_EQ(info.heads, 4);
  EXPECT_EQ(info.embedding_dimension, 32);
  EXPECT_EQ(info.max_seq_length, 16u);
  EXPECT_EQ(info.modules.at(1), "Pooling(mean)");
  EXPECT_GT(info.parameter_count, 20000);
  // The architecture and tokeniser the reference outputs were made with.
  const auto& expected = test::golden_expected(GetParam());
  EXPECT_EQ(info.architecture, expected["architecture"].get<std::string>());
  EXPECT_TRUE(contains(info.tokenizer, expected["tokenizer_class"].get<std::string>()))
      << info.tokenizer;
}

TEST_P(ModelFolder, TrainModeAppliesDropoutEvalModeDoesNot) {
  auto encoder = SentenceEncoder::load(test::golden_dir(GetParam()));
  torch::NoGradGuard no_grad;
  encoder->train(true);
  EXPECT_TRUE(encoder->is_training());
  torch::manual_seed(1);
  auto first = encoder->embed(kTexts);
  auto second = encoder->embed(kTexts);
  EXPECT_FALSE(torch::allclose(first, second));  // dropout 0.1 in config.json
  encoder->train(false);
  EXPECT_TRUE(torch::equal(encoder->embed(kTexts), encoder->embed(kTexts)));
  // encode() always runs in eval mode and restores the mode it found.
  encoder->train(true);
  auto encoded = encoder->encode(kTexts);
  EXPECT_TRUE(encoder->is_training());
  encoder->train(false);
  EXPECT_TRUE(torch::allclose(encoded, encoder->embed(kTexts), 1e-6, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(Models, ModelFolder,
                         ::testing::Values("bert-tiny", "mpnet-tiny", "distilbert-tiny",
                                           "roberta-tiny", "xlmr-tiny"));

TEST(ModelFolderErrors, MissingDirectory) {
  EXPECT_TRUE(contains(load_error("/nonexistent/model"), "not a model folder"));
}

TEST(ModelFolderErrors, MalformedModulesJson) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  std::ofstream(model / "modules.json") << "[{\"type\": ";
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "modules.json: malformed JSON")) << message;
}

TEST(ModelFolderErrors, UnknownArchitecture) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  auto config = nlohmann::json::parse(test::read_file(model / "config.json"));
  config["model_type"] = "gpt2";
  std::ofstream(model / "config.json") << config.dump();
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "config.json: model_type 'gpt2' is not supported")) << message;
}

TEST(ModelFolderErrors, TensorShapedWrongForConfig) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  auto config = nlohmann::json::parse(test::read_file(model / "config.json"));
  config["intermediate_size"] = 40;
  std::ofstream(model / "config.json") << config.dump();
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "has shape [37, 32] but")) << message;
  EXPECT_TRUE(contains(message, "implies [40, 32]")) << message;
}

// Sizes the weights cannot hold are refused from the safetensors header, before the
// encoder allocates anything (these used to end in allocator errors or hang for minutes).
TEST(ModelFolderErrors, AbsurdSizesAreRefusedBeforeAllocating) {
  for (const auto& [key, value] :
       {std::pair<const char*, std::int64_t>{"hidden_size", 1'000'000'000},
        {"vocab_size", 1'000'000'000'000},
        {"num_hidden_layers", 1'000'000'000},
        {"intermediate_size", 1'000'000'000},
        {"max_position_embeddings", 1'000'000'000}}) {
    test::TempDir dir;
    auto model = test::copy_golden(dir.path(), "bert-tiny");
    auto config = nlohmann::json::parse(test::read_file(model / "config.json"));
    config[key] = value;
    if (std::string(key) == "hidden_size") config["num_attention_heads"] = 1;
    std::ofstream(model / "config.json") << config.dump();
    auto message = load_error(model);
    EXPECT_TRUE(contains(message, "config.json: the sizes it declares")) << key << ": " << message;
    EXPECT_TRUE(contains(message, "the config does not describe these weights")) << message;
    EXPECT_TRUE(contains(message, "model.safetensors holds")) << message;
  }
}

TEST(ModelFolderErrors, APoolingFolderNamedButMissingIsAnError) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  fs::remove_all(model / "1_Pooling");
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "1_Pooling/config.json: no such file")) << message;
  EXPECT_TRUE(contains(message, "names a Pooling module in '1_Pooling'")) << message;
}

TEST(ModelFolderErrors, MissingTensors) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  auto config = nlohmann::json::parse(test::read_file(model / "config.json"));
  config["num_hidden_layers"] = 3;
  std::ofstream(model / "config.json") << config.dump();
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "tensor(s) that")) << message;
  EXPECT_TRUE(contains(message, "encoder.layer.2.")) << message;
}

TEST(ModelFolderErrors, CorruptedWeights) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "mpnet-tiny");
  std::string bytes = test::read_file(model / "model.safetensors");
  bytes[20] = '\x01';  // inside the JSON header
  std::ofstream(model / "model.safetensors", std::ios::binary) << bytes;
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "model.safetensors: invalid safetensors file")) << message;
}

TEST(ModelFolderErrors, OnlyPickledWeights) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  fs::rename(model / "model.safetensors", model / "pytorch_model.bin");
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "convert it to model.safetensors")) << message;
}

TEST(ModelFolderErrors, UnknownModuleType) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  append_module(model, 2, "2_LSTM", "LSTM");
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "module type 'sentence_transformers.models.LSTM' is not supported"))
      << message;
}

TEST(ModelFolderErrors, PlainCheckpointMeansMeanPooling) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  fs::remove(model / "modules.json");
  fs::remove_all(model / "1_Pooling");
  auto plain = SentenceEncoder::load(model);
  auto reference = SentenceEncoder::load(test::golden_dir("bert-tiny"));
  EXPECT_EQ(plain->info().modules.at(1), "Pooling(mean)");
  EXPECT_TRUE(torch::allclose(plain->encode(kTexts), reference->encode(kTexts)));
}

TEST(ModelFolderErrors, DenseAndNormalizeModulesApply) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  fs::create_directories(model / "2_Dense");
  std::ofstream(model / "2_Dense/config.json")
      << R"({"in_features": 32, "out_features": 8, "bias": true, "activation_function": "torch.nn.modules.activation.Tanh"})";
  auto weight = torch::randn({8, 32});
  auto bias = torch::randn({8});
  write_safetensors(model / "2_Dense/model.safetensors",
                    {{"linear.weight", weight}, {"linear.bias", bias}});
  append_module(model, 2, "2_Dense", "Dense");
  append_module(model, 3, "3_Normalize", "Normalize");

  auto encoder = SentenceEncoder::load(model);
  EXPECT_EQ(encoder->dimension(), 8);
  auto plain = SentenceEncoder::load(test::golden_dir("bert-tiny"))->encode(kTexts);
  auto expected =
      torch::nn::functional::normalize(torch::tanh(torch::matmul(plain, weight.t()) + bias),
                                       torch::nn::functional::NormalizeFuncOptions().dim(1));
  EXPECT_TRUE(torch::allclose(encoder->encode(kTexts), expected, 1e-5, 1e-6));

  // And it survives a save/load.
  encoder->save(dir.path() / "saved");
  EXPECT_TRUE(torch::equal(SentenceEncoder::load(dir.path() / "saved")->encode(kTexts),
                           encoder->encode(kTexts)));
}

// A Dense config.json whose sizes its weights do not have is refused from the
// safetensors header, before the layer allocates (out_features 1e12 used to allocate).
TEST(ModelFolderErrors, DenseSizesAreCheckedAgainstTheWeightsBeforeAllocating) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  fs::create_directories(model / "2_Dense");
  std::ofstream(model / "2_Dense/config.json")
      << R"({"in_features": 32, "out_features": 1000000000000})";
  write_safetensors(model / "2_Dense/model.safetensors",
                    {{"linear.weight", torch::randn({8, 32})}, {"linear.bias", torch::randn({8})}});
  append_module(model, 2, "2_Dense", "Dense");
  auto message = load_error(model);
  EXPECT_TRUE(contains(message,
                       "2_Dense/model.safetensors: linear.weight must have shape "
                       "[1000000000000, 32]"))
      << message;
  EXPECT_TRUE(contains(message, "got [8, 32]")) << message;
}

// modules.json cannot send the loader outside the model folder.
TEST(ModelFolderErrors, AModulePathOutsideTheFolderIsRefused) {
  for (const char* path : {"../1_Pooling", "/etc", "a/../../b"}) {
    test::TempDir dir;
    auto model = test::copy_golden(dir.path(), "bert-tiny");
    auto modules = nlohmann::json::parse(test::read_file(model / "modules.json"));
    modules[1]["path"] = path;
    std::ofstream(model / "modules.json") << modules.dump();
    auto message = load_error(model);
    EXPECT_TRUE(contains(message, fmt::format("modules.json: module path '{}' must be a folder "
                                              "inside the model folder",
                                              path)))
        << message;
  }
}

// A number JSON can write but a double cannot hold is a malformed-file error naming the
// file, not an escaped library exception (found by the model-config fuzzer).
TEST(ModelFolderErrors, AnOverflowingNumberIsAMalformedFile) {
  test::TempDir dir;
  auto model = test::copy_golden(dir.path(), "bert-tiny");
  std::ofstream(model / "config.json") << R"({"model_type": "bert", "hidden_size": 1e605})";
  auto message = load_error(model);
  EXPECT_TRUE(contains(message, "config.json: malformed JSON")) << message;
  EXPECT_TRUE(contains(message, "number overflow")) << message;
}

}  // namespace
}  // namespace setfit
