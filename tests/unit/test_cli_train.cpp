#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "golden.hpp"
#include "setfit/run_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

const std::string kCli = SETFIT_TEST_CLI;

using test::contains;

void write_data(const std::filesystem::path& file) {
  std::ofstream out(file);
  const char* rows[] = {"terrible acting", "a boring plot",       "i hated this film",
                        "what a waste",    "the movie was great", "i loved this film",
                        "wonderful story", "really amazing"};
  for (int i = 0; i < 8; ++i)
    out << nlohmann::json{{"text", rows[i]}, {"label", i < 4 ? "neg" : "pos"}}.dump() << "\n";
}

// train.jsonl, test.jsonl and run.toml on the tiny golden BERT, with extra [args] lines.
std::filesystem::path write_tiny_run(const std::filesystem::path& dir, const std::string& args) {
  write_data(dir / "train.jsonl");
  write_data(dir / "test.jsonl");
  std::ofstream(dir / "run.toml") << "[data]\ntrain = \"train.jsonl\"\ntest = \"test.jsonl\"\n\n"
                                  << "[model]\nbody = \"" << test::golden_dir("bert-tiny").string()
                                  << "\"\n\n[args]\nnum_epochs = [1, 4]\nbatch_size = 4\n"
                                  << args;
  return dir / "run.toml";
}

// A loss plugin's mistakes are named in its terms: which plugin (its file), what it returned,
// what to fix; not LibTorch's internals.
TEST(CliTrain, BrokenLossPluginsAreNamedWithWhatToFix) {
  test::TempDir dir;
  const auto config = write_tiny_run(dir.path(), "");
  const std::string hazard = std::string(SETFIT_TEST_FIXTURE_PLUGIN_DIR) + "/hazard";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"NonScalarLoss",
       {"loss plugin 'NonScalarLoss' (" + hazard + "/setfit_loss_fixture_non_scalar_loss.so)",
        "forward() returned a tensor of shape [", "reduce the per-example losses"}},
      {"DetachedLoss",
       {"loss plugin 'DetachedLoss'", "does not depend on the embeddings through autograd"}},
      {"NanLoss",
       {"the embedding stage diverged at step 2: loss NanLoss returned nan",
        "setfit plugins check FILE --conformance"}}};
  for (const auto& [loss, expected] : cases) {
    auto r = test::run_command(kCli + " --plugin-dir " + hazard + " train " + config.string() +
                               " --set args.loss=" + loss);
    EXPECT_EQ(r.exit_code, 1) << loss;
    for (const auto& text : expected) EXPECT_TRUE(contains(r.err, text)) << loss << ": " << r.err;
    EXPECT_FALSE(contains(r.err, "frame #")) << loss << ": " << r.err;  // no C++ backtrace
  }
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

TEST(CliTrain, SetOverridesOutputSavesAndPredictReadsItBack) {
  test::TempDir dir;
  write_tiny_run(dir.path(), "");
  const auto model_dir = dir.path() / "model";
  // --set replaces a value, adds a key to an existing table, and creates a nested table.
  auto r =
      test::run_command(kCli + " train " + (dir.path() / "run.toml").string() +
                        " --set args.num_epochs=[0,4] --set model.head=linear" +
                        " --set model.head_params.temperature=0.5 --output " + model_dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "stage 1 (embedding) skipped")) << r.err;
  EXPECT_TRUE(contains(r.err, "stage 2 (classifier): 4 epochs")) << r.err;
  const auto config = nlohmann::json::parse(test::read_file(model_dir / "config_setfit.json"));
  EXPECT_EQ(config["head"]["plugin"], "linear");
  EXPECT_DOUBLE_EQ(config["head"]["params"]["temperature"].get<double>(), 0.5);
  EXPECT_EQ(config["labels"], (nlohmann::json{"neg", "pos"}));

  std::ofstream(dir.path() / "texts.txt") << "i loved this film\nwhat a waste\n";
  r = test::run_command(kCli + " predict " + model_dir.string() + " --input " +
                        (dir.path() / "texts.txt").string() + " --proba");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    auto row = nlohmann::json::parse(line);
    const std::string label = row["label"];
    EXPECT_TRUE(label == "neg" || label == "pos") << line;
    const double neg = row["proba"]["neg"], pos = row["proba"]["pos"];
    EXPECT_NEAR(neg + pos, 1.0, 1e-5);
    EXPECT_EQ(label, pos > neg ? "pos" : "neg");
    ++count;
  }
  EXPECT_EQ(count, 2);
}

// `train --device` is `--set model.device=...`: a GPU that is not there is refused when the
// model loads, before any training; `predict --device cpu` reads a model back as the default.
TEST(CliTrain, DeviceFlagReachesTrainAndPredict) {
  test::TempDir dir;
  write_tiny_run(dir.path(), "");
  const std::string run = kCli + " train " + (dir.path() / "run.toml").string();
  auto missing = test::run_command(run + " --device cuda:99");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "body: cuda:99: ")) << missing.err;
  EXPECT_FALSE(contains(missing.err, "stage 1")) << missing.err;
  auto bad = test::run_command(run + " --device tpu");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, "key 'device': unknown device 'tpu'")) << bad.err;
  const auto model_dir = dir.path() / "model";
  auto trained = test::run_command(run + " --device cpu --output " + model_dir.string());
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  std::ofstream(dir.path() / "texts.txt") << "i loved this film\nwhat a waste\n";
  const std::string predict = kCli + " predict " + model_dir.string() + " --proba -i " +
                              (dir.path() / "texts.txt").string();
  auto plain = test::run_command(predict);
  auto cpu = test::run_command(predict + " --device cpu");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_EQ(cpu.out, plain.out);
}

TEST(CliTrain, BadOverridesAndUntrainedModelsAreClearErrors) {
  test::TempDir dir;
  write_data(dir.path() / "train.jsonl");
  std::ofstream(dir.path() / "run.toml") << "[data]\ntrain = \"train.jsonl\"\n[model]\nbody = \""
                                         << test::golden_dir("bert-tiny").string() << "\"\n";
  const std::string train = kCli + " train " + (dir.path() / "run.toml").string();
  auto r = test::run_command(train + " --set seed=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "needs a section")) << r.err;
  r = test::run_command(train + " --set args.batch_size=[1,2,3]");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--set args.batch_size: expected an integer or a list of two"))
      << r.err;
  r = test::run_command(train + " --set 'args.batch_size=[16, 2'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--set 'args.batch_size=[16, 2': the value is not valid TOML"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "got a string")) << r.err;
  r = test::run_command(train + " --set model.multi_target_strategy=all-at-once");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--set: [model] multi_target_strategy must be one of one-vs-rest"))
      << r.err;
  std::ofstream(dir.path() / "t.txt") << "hello\n";
  r = test::run_command(kCli + " predict " + test::golden_dir("bert-tiny").string() + " --input " +
                        (dir.path() / "t.txt").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "not a trained SetFit model")) << r.err;
}

// Output targets that would lose the trained model (or the metrics) at the end are refused
// before anything is loaded or trained.
TEST(CliTrain, OutputTargetsAreCheckedBeforeTraining) {
  test::TempDir dir;
  const auto config = write_tiny_run(dir.path(), "");
  const std::string train = kCli + " train " + config.string();
  std::ofstream(dir.path() / "taken.txt") << "keep me\n";
  auto r = test::run_command(train + " --output " + (dir.path() / "taken.txt").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "taken.txt: exists and is not a folder")) << r.err;
  EXPECT_FALSE(contains(r.err, "stage 1")) << r.err;  // nothing trained
  EXPECT_EQ(test::read_file(dir.path() / "taken.txt"), "keep me\n");
  std::filesystem::create_directories(dir.path() / "notes");
  std::ofstream(dir.path() / "notes" / "todo.md") << "x\n";
  r = test::run_command(train + " --output " + (dir.path() / "notes").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "notes: the folder holds other files and no saved model")) << r.err;
  r = test::run_command(train + " --output " + (dir.path() / "taken.txt" / "model").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "cannot create it:")) << r.err;
  r = test::run_command(train + " --metrics-json " + (dir.path() / "missing" / "m.json").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--metrics-json")) << r.err;
  EXPECT_TRUE(contains(r.err, "does not exist")) << r.err;
  // Checkpoints under a file would fail at the first checkpoint: refused before training.
  r = test::run_command(train + " --set args.save_strategy=epoch --set 'args.output_dir=\"" +
                        (dir.path() / "taken.txt" / "checkpoints").string() + "\"'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "key 'output_dir': checkpoints cannot go to")) << r.err;
  EXPECT_FALSE(contains(r.err, "stage 1")) << r.err;
  // A new folder, and then the same folder again (a model saved before), are fine.
  r = test::run_command(train + " --output " + (dir.path() / "model").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_command(train + " --output " + (dir.path() / "model").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// num_iterations that no memory could hold is refused before the sampler runs.
TEST(CliTrain, NumIterationsBeyondMemoryIsAClearError) {
  test::TempDir dir;
  const auto config = write_tiny_run(dir.path(), "num_iterations = 1000000000\n");
  auto r = test::run_command(kCli + " train " + config.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err,
                       "key 'num_iterations': 1000000000 iterations over 8 examples ask for "
                       "1.6e+10 pairs, more than the"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "bad_alloc")) << r.err;
}

// Configs that used to train "successfully" into something useless are errors now.
TEST(CliTrain, AnUntrainableHeadOrAnUnseenLabelIsAnError) {
  test::TempDir dir;
  const std::string train = kCli + " train " + write_tiny_run(dir.path(), "").string();
  auto r = test::run_command(train + " --set args.num_epochs=[0,0] --set model.head=linear");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err,
                       "key 'num_epochs': 0 classifier epochs leave the head 'linear' "
                       "untrained"))
      << r.err;
  // The fitted head needs no epochs: a linear probe without stage 1 is fine.
  r = test::run_command(train + " --set args.num_epochs=[0,0]");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = test::run_command(train + " --set 'data.labels=[\"neg\", \"pos\", \"neutral\"]'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "label 'neutral' has no training example")) << r.err;
}

TEST(CliTrain, DbRecordsTheRunItsConfigMetricsAndPlugins) {
  test::TempDir dir;
  write_tiny_run(dir.path(), "seed = 3\nlogging_steps = 1\n");
  const auto db = dir.path() / "runs.db";
  const std::string train =
      kCli + " train " + (dir.path() / "run.toml").string() + " --db " + db.string();
  auto r = test::run_command(train);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto store = RunStore::open(db);
  auto runs = store->runs(std::nullopt);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::Finished);
  EXPECT_EQ(runs[0].run_key.size(), 64u);
  const auto summary = store->summary(runs[0].id);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].key, "accuracy");
  const auto metrics = store->metrics(runs[0].id);
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metrics.front().stage, "embedding");
  SQLite::Database raw(db.string());
  EXPECT_EQ(raw.execAndGet("SELECT value_text || ',' || is_default FROM params WHERE key = 'seed'")
                .getString(),
            "3,0");
  EXPECT_EQ(raw.execAndGet("SELECT is_default FROM params WHERE key = 'loss'").getInt(), 1);
  EXPECT_EQ(
      raw.execAndGet("SELECT value_text FROM params WHERE key = 'model.head_params.C'").getString(),
      "1.0");
  EXPECT_EQ(raw.execAndGet("SELECT group_concat(name, ',') FROM (SELECT name FROM plugins ORDER BY "
                           "kind)")
                .getString(),
            "logistic_regression,CosineSimilarityLoss,oversampling");

  EXPECT_EQ(raw.execAndGet("SELECT is_default FROM params WHERE key = 'model.head'").getInt(), 1);
  // Data paths are recorded absolute, whatever the working directory.
  EXPECT_EQ(raw.execAndGet("SELECT value_text FROM params WHERE key = 'data.train'").getString(),
            (dir.path() / "train.jsonl").string());

  // Run from the config's folder with a relative path: the same key (the same files).
  r = test::run_command("cd " + dir.path().string() + " && " + kCli +
                        " train run.toml --set model.head=logistic_regression --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  runs = store->runs(std::nullopt);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].run_key, runs[1].run_key);
  // A head written out is recorded as set, even when it is the default one.
  EXPECT_EQ(raw.execAndGet("SELECT is_default FROM params WHERE key = 'model.head' AND run_id = " +
                           std::to_string(runs[1].id))
                .getInt(),
            0);

  // The same config again: another run with the same key (standalone runs may repeat).
  r = test::run_command(train);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  runs = store->runs(std::nullopt);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run_key, runs[2].run_key);

  // A diverging loss is recorded as DIVERGED with the stage, its losses kept.
  r = test::run_command(train + " --plugin-dir " + SETFIT_TEST_FIXTURE_PLUGIN_DIR +
                        "/hazard --set args.loss=NanLoss");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the embedding stage diverged at step 2")) << r.err;
  runs = store->runs(std::nullopt);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[3].status, RunStatus::Diverged);
  EXPECT_EQ(runs[3].error_stage, "embedding");
  EXPECT_EQ(store->metrics(runs[3].id).size(), 2u);  // steps 0 and 1 were finite
  EXPECT_EQ(store->integrity_check(), "ok");
}

}  // namespace
}  // namespace setfit
