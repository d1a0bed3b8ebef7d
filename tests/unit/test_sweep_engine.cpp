// The sweep engine through its library API: run_sweep() with an executor that is not the
// local process pool (each unit trained in this process, one after another), which is what
// a cluster backend plugs into; and the stage-1 keys that decide which runs share stage 1.
#include <gtest/gtest.h>

#include <fstream>

#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/run_store.hpp"
#include "setfit/sweep.hpp"
#include "test_support.hpp"
#include "tiny_data.hpp"

namespace setfit {
namespace {

class InProcessExecutor final : public Executor {
 public:
  explicit InProcessExecutor(const PluginRegistry& registry) : registry_(registry) {}

  void execute(const std::vector<PreparedRun>& runs, const std::vector<std::int64_t>& ids,
               const std::vector<WorkUnit>& units, RunStore& store,
               const std::function<WorkUnit(const WorkUnit&)>& claim_unit,
               const std::atomic<bool>& stop,
               const std::function<void(const ExecutionProgress&)>& progress) override {
    ExecutionProgress state;
    for (const auto& unit : units) state.total += unit.runs.size();
    for (const auto& planned : units) {
      if (stop) break;
      const WorkUnit unit = claim_unit(planned);
      write_unit_configs(runs, ids, unit, store.path());
      std::vector<std::int64_t> unit_ids;
      for (auto index : unit.runs) unit_ids.push_back(ids[index]);
      launched.push_back(unit_ids);
      run_sweep_worker(store.path(), unit_ids, registry_);
      for (auto id : unit_ids) {
        ++(store.run(id).status == RunStatus::Finished ? state.finished : state.failed);
      }
      if (progress) progress(state);
    }
  }

  std::vector<std::vector<std::int64_t>> launched;

 private:
  const PluginRegistry& registry_;
};

std::filesystem::path write_sweep(const test::TempDir& dir, const std::string& args,
                                  const std::string& grid) {
  test::write_tiny_reviews(dir.path() / "train.jsonl");
  const auto file = dir.path() / "s.toml";
  std::ofstream(file) << "[sweep]\nname = \"s\"\nseeds = [0]\n"
                      << "[data]\ntrain = \"train.jsonl\"\ntest = \"train.jsonl\"\n"
                      << "[model]\nbody = \"" << test::golden_dir("bert-tiny").string() << "\"\n"
                      << "[args]\nnum_epochs = [1, 2]\nbatch_size = 8\n"
                      << args << "\n[grid]\n"
                      << grid << "\n";
  return file;
}

TEST(SweepEngine, RunSweepDrivesAnyExecutorAndResumesWithNothingToLaunch) {
  test::TempDir dir;
  const auto file = write_sweep(dir, "", "head = [\"logistic_regression\", \"linear\"]");
  const NamedInputs folders_only;
  SweepRunOptions options;
  options.db = dir.path() / "runs.db";
  const std::atomic<bool> stop{false};
  std::size_t progress_calls = 0;
  InProcessExecutor executor(test::builtin_registry());
  auto report = run_sweep(file, options, test::builtin_registry(), folders_only, executor, stop,
                          [&](const ExecutionProgress&) { ++progress_calls; });
  // Both heads share one stage 1: one unit of two runs.
  ASSERT_EQ(executor.launched.size(), 1u);
  EXPECT_EQ(executor.launched[0].size(), 2u);
  EXPECT_EQ(progress_calls, 1u);
  EXPECT_EQ(report.distinct_runs, 2u);
  EXPECT_EQ(report.counts[RunStatus::Finished], 2u);
  ASSERT_EQ(report.best.size(), 2u);
  auto store = RunStore::open(options.db, false);
  for (const auto& row : store->runs(std::nullopt)) {
    EXPECT_EQ(row.attempt, 1);
    EXPECT_EQ(row.stage1_run_id, executor.launched[0][0]);
  }
  InProcessExecutor again(test::builtin_registry());
  report = run_sweep(file, options, test::builtin_registry(), folders_only, again, stop, {});
  EXPECT_TRUE(again.launched.empty());
  EXPECT_EQ(report.counts[RunStatus::Finished], 2u);
}

TEST(SweepEngine, LossParametersAreStageOneInputsAndHeadParametersAreNot) {
  test::TempDir dir;
  const auto file = write_sweep(dir, "loss = \"SupConLoss\"",
                                "\"loss_params.temperature\" = [0.05, 0.1]\n"
                                "\"head_params.C\" = [0.5, 1.0]");
  const NamedInputs folders_only;
  const auto sweep = expand_sweep(parse_toml_file(file), file.string());
  const auto runs = prepare_sweep(sweep, file, test::builtin_registry(), folders_only);
  ASSERT_EQ(runs.size(), 4u);  // temperature outer, C inner
  EXPECT_EQ(runs[0].stage1_key, runs[1].stage1_key);
  EXPECT_EQ(runs[2].stage1_key, runs[3].stage1_key);
  EXPECT_NE(runs[0].stage1_key, runs[2].stage1_key);
  std::set<std::string> keys;
  for (const auto& r : runs) keys.insert(r.key);
  EXPECT_EQ(keys.size(), 4u);
  // The sampler that runs for SupCon is recorded as the run's sampler.
  EXPECT_EQ(runs[0].plugins.back(),
            (std::pair{PluginKind::Sampler, std::string("group_by_label")}));
}

}  // namespace
}  // namespace setfit
