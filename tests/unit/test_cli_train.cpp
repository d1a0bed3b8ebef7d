#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

const std::string kCli = SETFIT_TEST_CLI;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void write_data(const std::filesystem::path& file) {
  std::ofstream out(file);
  const char* rows[] = {"terrible acting", "a boring plot",       "i hated this film",
                        "what a waste",    "the movie was great", "i loved this film",
                        "wonderful story", "really amazing"};
  for (int i = 0; i < 8; ++i)
    out << nlohmann::json{{"text", rows[i]}, {"label", i < 4 ? "neg" : "pos"}}.dump() << "\n";
}

TEST(CliTrain, TrainsEvaluatesAndWritesMetrics) {
  test::TempDir dir;
  write_data(dir.path() / "train.jsonl");
  write_data(dir.path() / "test.jsonl");
  std::ofstream(dir.path() / "run.toml")
      << "[data]\ntrain = \"train.jsonl\"\ntest = \"test.jsonl\"\nnum_samples = 3\n\n"
      << "[model]\nbody = \"" << test::golden_dir("bert-tiny").string()
      << "\"\nhead = \"logistic_regression\"\n\n"
      << "[args]\nnum_epochs = [1, 4]\nbody_learning_rate = 1e-3\nbatch_size = 4\n\n"
      << "[eval]\nmetrics = [\"accuracy\", \"f1\"]\n";
  auto metrics = dir.path() / "metrics.json";
  auto r = test::run_command(kCli + " train " + (dir.path() / "run.toml").string() +
                             " --metrics-json " + metrics.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "accuracy: ")) << r.out;
  auto json = nlohmann::json::parse(test::read_file(metrics));
  EXPECT_GE(json["accuracy"].get<double>(), 0.0);
  EXPECT_LE(json["accuracy"].get<double>(), 1.0);
  EXPECT_TRUE(json.contains("f1"));
  EXPECT_TRUE(contains(r.err, "stage 1 (embedding)")) << r.err;
}

TEST(CliTrain, ConfigErrorsNamePositionAndKey) {
  test::TempDir dir;
  write_data(dir.path() / "train.jsonl");
  std::ofstream(dir.path() / "bad.toml")
      << "[data]\ntrain = \"train.jsonl\"\n[model]\nbody = \"x\"\n[args]\nbach_size = 4\n";
  auto r = test::run_command(kCli + " train " + (dir.path() / "bad.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err,
                       "bad.toml:6:1: [args] key 'bach_size': is not a training argument; did you "
                       "mean 'batch_size'?"))
      << r.err;
  std::ofstream(dir.path() / "nodata.toml") << "[model]\nbody = \"x\"\n[dta]\n";
  r = test::run_command(kCli + " train " + (dir.path() / "nodata.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "unknown key 'dta'")) << r.err;
  std::ofstream(dir.path() / "metric.toml")
      << "[data]\ntrain = \"train.jsonl\"\n[model]\nbody = \"x\"\n"
      << "[eval]\nmetrics = [\"accuracy\", \"auc\"]\n";
  r = test::run_command(kCli + " train " + (dir.path() / "metric.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "metric.toml:6:24: [eval] unknown metric 'auc'")) << r.err;
  EXPECT_EQ(test::run_command(kCli + " train").exit_code, 2);
}

}  // namespace
}  // namespace setfit
