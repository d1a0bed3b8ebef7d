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

TEST(SentencePieceFiles, AFileThatIsNotASentencepieceModelIsNamed) {
  test::TempDir dir;
  const fs::path model = test::copy_golden(dir.path(), "xlmr-tiny");
  std::ofstream(model / "sentencepiece.bpe.model") << "not a protocol buffer at all";
  auto error = test::tokenizer_error(model);
  EXPECT_TRUE(
      contains(error, (model / "sentencepiece.bpe.model").string() + ": not a sentencepiece model"))
      << error;
  // Without the model file the folder's tokenizer.json (a Unigram model) is read instead.
  fs::remove(model / "sentencepiece.bpe.model");
  auto from_json = load_tokenizer(model, "XLMRobertaTokenizer");
  EXPECT_TRUE(contains(from_json->describe(), "sentencepiece (Unigram)")) << from_json->describe();
  EXPECT_EQ(from_json->encode("The movie was GREAT, I loved it.", 0).ids,
            load_tokenizer(test::golden_dir("xlmr-tiny"))
                ->encode("The movie was GREAT, I loved it.", 0)
                .ids);
  fs::remove(model / "tokenizer.json");
  error = test::tokenizer_error(model);
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

namespace setfit {
namespace {

// The module is found beside libsetfit; an installation without it names what is missing
// (the engine and its libraries copied elsewhere, the module left out).
TEST(SentencePieceFiles, AMissingModuleIsNamed) {
  test::TempDir dir;
  const fs::path engine = fs::path(SETFIT_TEST_CLI).parent_path() / "setfit-engine";
  const fs::path lib = engine.parent_path().parent_path() / "lib";
  fs::create_directories(dir.path() / "bin");
  fs::create_directories(dir.path() / "lib");
  fs::copy_file(engine, dir.path() / "bin" / "setfit-engine");
  for (const auto& entry : fs::directory_iterator(lib)) {
    if (!entry.is_directory())
      fs::copy(entry.path(), dir.path() / "lib" / entry.path().filename(),
               fs::copy_options::copy_symlinks);
  }
  const auto r = test::run_command((dir.path() / "bin" / "setfit-engine").string() +
                                   " model info " + test::golden_dir("xlmr-tiny").string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(
      contains(r.err, (dir.path() / "lib" / "setfit" / "libsetfit_sentencepiece.so").string()))
      << r.err;
  EXPECT_TRUE(contains(r.err, "XLM-RoBERTa's tokeniser")) << r.err;
  // The same command where the module is: the model loads.
  const auto ok =
      test::run_command(engine.string() + " model info " + test::golden_dir("xlmr-tiny").string());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(contains(ok.out, "XLMRobertaModel")) << ok.out;
}

}  // namespace
}  // namespace setfit
