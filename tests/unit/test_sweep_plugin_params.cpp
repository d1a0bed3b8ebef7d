// Plugin parameters in sweeps: loss_params.* grid keys reach the loss (built-in SupCon's
// temperature, the documented example loss's scale), are recorded per run and change the
// result; a misspelt or inapplicable parameter fails `sweep expand` naming the run.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "golden.hpp"
#include "setfit/run_store.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

using test::contains;
const std::string kCli = SETFIT_TEST_CLI;
const std::string kExample = std::string(SETFIT_TEST_FIXTURE_PLUGIN_DIR) + "/example";

class SweepPluginParams : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_tiny_reviews(dir_.path() / "train.jsonl");
  }
  std::filesystem::path write_sweep(const std::string& name, const std::string& args,
                                    const std::string& grid) {
    const auto file = dir_.path() / (name + ".toml");
    std::ofstream(file) << "[sweep]\nname = \"" << name << "\"\nseeds = [0]\n"
                        << "[data]\ntrain = \"train.jsonl\"\ntest = \"train.jsonl\"\n"
                        << "[model]\nbody = \"" << test::golden_dir("bert-tiny").string()
                        << "\"\n[args]\nnum_epochs = [1, 2]\nbatch_size = 8\n"
                        << "body_learning_rate = 1e-2\n"
                        << args << "\n[grid]\n"
                        << grid << "\n";
    return file;
  }
  test::CommandResult run(const std::string& verb, const std::filesystem::path& file) {
    return test::run_command(kCli + " --plugin-dir " + kExample + " sweep " + verb + " " +
                             file.string() + (verb == "run" ? " --jobs 1 --db " + db() : ""));
  }
  std::string db() const { return (dir_.path() / "runs.db").string(); }

  // Per run: the recorded value of `param` and the last embedding-stage training loss.
  std::map<std::string, double> loss_by_param_value(const std::string& param) {
    SQLite::Database raw(db());
    SQLite::Statement query(raw,
                            "SELECT p.value_text, (SELECT m.value FROM metrics m WHERE m.run_id = "
                            "p.run_id AND m.stage = 'embedding' AND m.key = 'loss' ORDER BY "
                            "m.step DESC LIMIT 1) FROM params p WHERE p.key = ? AND p.is_default "
                            "= 0");
    query.bind(1, param);
    std::map<std::string, double> out;
    while (query.executeStep())
      out[query.getColumn(0).getString()] = query.getColumn(1).getDouble();
    return out;
  }

  test::TempDir dir_;
};

TEST_F(SweepPluginParams, SupConTemperatureIsSweptRecordedAndChangesTheRun) {
  const auto file = write_sweep("temperature", "loss = \"SupConLoss\"",
                                "\"loss_params.temperature\" = [0.05, 0.5]");
  auto r = run("expand", file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "model.loss_params.temperature=0.05")) << r.out;
  r = run("run", file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto losses = loss_by_param_value("model.loss_params.temperature");
  ASSERT_EQ(losses.size(), 2u);
  EXPECT_NE(losses.at("0.05"), losses.at("0.5"));
  // The sampler that ran is recorded with the run's params, at its defaults.
  SQLite::Database raw(db());
  EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM params WHERE key = "
                           "'model.sampler_params.samples_per_label' AND is_default = 1")
                .getInt(),
            2);
  EXPECT_EQ(
      raw.execAndGet("SELECT count(DISTINCT name) FROM plugins WHERE kind = 'sampler'").getString(),
      "1");
}

TEST_F(SweepPluginParams, TheExampleLossScaleIsSweptAndRecorded) {
  const auto file =
      write_sweep("scale", "loss = \"ScaledCosineLoss\"", "\"loss_params.scale\" = [0.5, 2.0]");
  auto r = run("run", file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto losses = loss_by_param_value("model.loss_params.scale");
  ASSERT_EQ(losses.size(), 2u);
  EXPECT_NE(losses.at("0.5"), losses.at("2.0"));
}

TEST_F(SweepPluginParams, AMisspeltLossParameterFailsExpandNamingTheRun) {
  auto file =
      write_sweep("typo", "loss = \"SupConLoss\"", "\"loss_params.temprature\" = [0.05, 0.1]");
  auto r = run("expand", file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run 1 of 2 (model.loss_params.temprature = 0.05 at ")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'temperature'?")) << r.err;
  // In a config file, a wrong type points at the value, before any data or model loads.
  const auto config = dir_.path() / "run.toml";
  std::ofstream(config) << "[data]\ntrain = \"missing.jsonl\"\n[model]\nbody = \"missing\"\n"
                        << "[model.loss_params]\ntemperature = \"hot\"\n[args]\nloss = "
                           "\"SupConLoss\"\n";
  r = test::run_command(kCli + " train " + config.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run.toml:6:15: [model] loss_params.temperature")) << r.err;
  EXPECT_TRUE(contains(r.err, "expects float, got string")) << r.err;
}

TEST_F(SweepPluginParams, AMarginForALossWithoutOneFailsExpand) {
  const auto file = write_sweep("margin", "", "margin = [0.25, 0.5]");
  const auto r = run("expand", file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "run 1 of 2 (args.margin = 0.25")) << r.err;
  EXPECT_TRUE(contains(r.err, "loss 'CosineSimilarityLoss' takes no 'margin'")) << r.err;
}

}  // namespace
}  // namespace setfit
