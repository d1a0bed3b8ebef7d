#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

const std::string kCli = SETFIT_TEST_CLI;

using test::contains;

std::vector<std::vector<double>> parse_embeddings(const std::string& jsonl) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line))
    rows.push_back(nlohmann::json::parse(line)["embedding"].get<std::vector<double>>());
  return rows;
}

TEST(CliEncode, JsonlInputGivesOneEmbeddingPerTextInOrder) {
  test::TempDir dir;
  const auto& expected = test::golden_expected("bert-tiny");
  auto sentences = expected["sentences"].get<std::vector<std::string>>();
  {
    std::ofstream out(dir.path() / "in.jsonl");
    for (const auto& s : sentences) out << nlohmann::json{{"text", s}, {"label", 1}}.dump() << "\n";
  }
  auto r = test::run_command(kCli + " encode " + test::golden_dir("bert-tiny").string() +
                             " --input " + (dir.path() / "in.jsonl").string() + " --batch-size 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = parse_embeddings(r.out);
  ASSERT_EQ(rows.size(), sentences.size());
  const auto& mean = expected["mean_pooled"];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 32u);
    for (std::size_t d = 0; d < 32; ++d) EXPECT_NEAR(rows[i][d], mean[i][d].get<double>(), 1e-5);
  }
  EXPECT_TRUE(contains(r.err, "encoding: 13/13 texts")) << r.err;
}

// --precision reaches the encoder: bf16 (or its fp32 fallback) stays within cosine 0.999 of
// fp32, and a value that is not a precision names the flag.
TEST(CliEncode, PrecisionFlag) {
  test::TempDir dir;
  std::ofstream(dir.path() / "in.txt") << "a first sentence\nanother, longer sentence here\n";
  const std::string base = kCli + " -q encode " + test::golden_dir("bert-tiny").string() + " -i " +
                           (dir.path() / "in.txt").string();
  const auto fp32 = test::run_command(base);
  const auto bf16 = test::run_command(base + " --precision bf16");
  ASSERT_EQ(fp32.exit_code, 0) << fp32.err;
  ASSERT_EQ(bf16.exit_code, 0) << bf16.err;
  const auto a = parse_embeddings(fp32.out), b = parse_embeddings(bf16.out);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    double dot = 0, na = 0, nb = 0;
    for (std::size_t d = 0; d < a[i].size(); ++d) {
      dot += a[i][d] * b[i][d];
      na += a[i][d] * a[i][d];
      nb += b[i][d] * b[i][d];
    }
    EXPECT_GE(dot / std::sqrt(na * nb), 0.999);
  }
  const auto bad = test::run_command(base + " --precision half");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_TRUE(contains(bad.err, "--precision: precision must be fp32, bf16 or auto, got 'half'"))
      << bad.err;
}

// --device reaches the model: cpu is the default's output exactly; a word that is not a
// device is a usage error and a GPU that is not there an error, both naming the flag, before
// the model loads.
TEST(CliEncode, DeviceFlag) {
  test::TempDir dir;
  std::ofstream(dir.path() / "in.txt") << "a first sentence\nanother, longer sentence here\n";
  const std::string base = kCli + " -q encode " + test::golden_dir("bert-tiny").string() + " -i " +
                           (dir.path() / "in.txt").string();
  const auto plain = test::run_command(base);
  const auto cpu = test::run_command(base + " --device cpu");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_EQ(cpu.out, plain.out);
  const auto bad = test::run_command(base + " --device gpu");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_TRUE(contains(bad.err, "--device: unknown device 'gpu'")) << bad.err;
  const auto missing = test::run_command(base + " --device cuda:99");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "--device: cuda:99: ")) << missing.err;
}

TEST(CliEncode, TxtInputAndNpyOutput) {
  test::TempDir dir;
  std::ofstream(dir.path() / "in.txt") << "first line\n\nsecond line\n  \t \nthird\n\n";
  auto out = dir.path() / "out.npy";
  auto r =
      test::run_command(kCli + " -q encode " + test::golden_dir("mpnet-tiny").string() + " -i " +
                        (dir.path() / "in.txt").string() + " -o " + out.string() + " --normalize");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // -q silences progress
  std::string bytes = test::read_file(out);
  ASSERT_GT(bytes.size(), 128u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_TRUE(contains(bytes.substr(0, 128), "'shape': (3, 32)"));
  EXPECT_EQ(bytes.size() % 4, 0u);
  EXPECT_EQ(bytes.size(), 128u + 3 * 32 * 4);  // the header is padded to 64 bytes
}

TEST(CliEncode, BadInputIsAClearError) {
  test::TempDir dir;
  std::ofstream(dir.path() / "in.jsonl") << "{\"text\": \"ok\"}\n{\"txt\": \"typo\"}\n";
  auto r = test::run_command(kCli + " encode " + test::golden_dir("bert-tiny").string() + " -i " +
                             (dir.path() / "in.jsonl").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "in.jsonl:2: expected an object with a string field \"text\""))
      << r.err;

  std::ofstream(dir.path() / "bad.txt") << "fine\n\xff\xfe broken\n";
  r = test::run_command(kCli + " encode " + test::golden_dir("bert-tiny").string() + " -i " +
                        (dir.path() / "bad.txt").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "bad.txt:2: not valid UTF-8")) << r.err;

  EXPECT_EQ(test::run_command(kCli + " encode " + test::golden_dir("bert-tiny").string()).exit_code,
            2);
  std::ofstream(dir.path() / "good.txt") << "fine\n";
  r = test::run_command(kCli + " encode /nonexistent/model -i " +
                        (dir.path() / "good.txt").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "/nonexistent/model")) << r.err;
}

// Lengths past the model's position table, and negative counts, are clear errors instead
// of an index error deep in the model (or a huge unsigned number).
TEST(CliEncode, MaxLengthIsCheckedAgainstThePositionTableAndCountsAreNotNegative) {
  test::TempDir dir;
  std::ofstream(dir.path() / "in.txt") << "first line\nsecond line\n";
  const std::string encode = kCli + " encode " + test::golden_dir("bert-tiny").string() + " -i " +
                             (dir.path() / "in.txt").string();
  auto r = test::run_command(encode + " --max-length 65");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "max_length 65 is longer than the 64 positions of the model in"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "index out of range")) << r.err;
  EXPECT_EQ(test::run_command(encode + " --max-length 64").exit_code, 0);
  for (const std::string flag : {"--max-length -5", "--batch-size -5", "--max-length 1e3"}) {
    r = test::run_command(encode + " " + flag);
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_TRUE(contains(r.err, "must be a whole number, 0 or more")) << flag << ": " << r.err;
    EXPECT_TRUE(contains(r.err, flag.substr(0, flag.find(' ')))) << r.err;
  }
  r = test::run_command(kCli + " results list " + (dir.path() / "x.db").string() + " --limit -1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--limit' must be a whole number, 0 or more")) << r.err;
  // Training checks args.max_length before stage 1 starts.
  std::ofstream(dir.path() / "train.jsonl") << "{\"text\": \"good\", \"label\": 1}\n"
                                            << "{\"text\": \"bad\", \"label\": 0}\n";
  std::ofstream(dir.path() / "run.toml")
      << "[data]\ntrain = \"train.jsonl\"\n[model]\nbody = \""
      << test::golden_dir("bert-tiny").string() << "\"\n[args]\nmax_length = 100\n";
  r = test::run_command(kCli + " train " + (dir.path() / "run.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "key 'max_length': max_length 100 is longer than the 64 positions"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "stage 1")) << r.err;
}

TEST(CliModel, InfoAsTextAndJson) {
  auto r = test::run_command(kCli + " model info " + test::golden_dir("bert-tiny").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "BertModel")) << r.out;
  EXPECT_TRUE(contains(r.out, "Pooling(mean)")) << r.out;
  r = test::run_command(kCli + " model info --json " + test::golden_dir("mpnet-tiny").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto info = nlohmann::json::parse(r.out);
  EXPECT_EQ(info["architecture"], "MPNetModel");
  EXPECT_EQ(info["embedding_dimension"], 32);
  EXPECT_EQ(test::run_command(kCli + " model describe x").exit_code, 2);
}

}  // namespace
}  // namespace setfit
