// What a sweep varies (grid, zip and random axes, seeds) is known from its expansion and
// recorded in the store, so results can tell configurations apart without re-expanding.
#include <gtest/gtest.h>

#include <fstream>

#include "golden.hpp"
#include "setfit/run_store.hpp"
#include "setfit/sweep.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

std::vector<std::pair<std::string, std::string>> varied_of(const std::vector<VariedParameter>& v) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : v) out.emplace_back(p.key, p.kind);
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(SweepVaried, GridZipHalvesAndSeedsAreNamedWithTheirKind) {
  const auto sweep = expand_sweep(
      toml::parse("[sweep]\nname = \"v\"\nseeds = [0, 1]\n[args]\nnum_iterations = 20\n"
                  "[grid]\nbatch_size = [8, 16]\n"
                  "pairs = [{loss = \"ContrastiveLoss\", margin = 0.5}, {loss = "
                  "\"CosineSimilarityLoss\"}]\n"
                  "\"head_params.C\" = [0.1, 1.0]\n"
                  "[grid.embedding]\nbody_learning_rate = [1e-3, 3e-3]\n"),
      "v.toml");
  EXPECT_EQ(varied_of(sweep.varied), (Pairs{{"args.batch_size", "grid"},
                                            {"args.loss", "zip"},
                                            {"args.margin", "zip"},
                                            {"model.head_params.C", "grid"},
                                            {"args.body_learning_rate[embedding]", "grid"},
                                            {"args.seed", "seeds"}}));
}

TEST(SweepVaried, RandomSearchAxesAreRandom) {
  const auto sweep = expand_sweep(
      toml::parse("[sweep]\nname = \"r\"\nmethod = \"random\"\ntrials = 3\n[grid]\n"
                  "head_learning_rate = {distribution = \"log_uniform\", low = 1e-3, high = 1e-1}\n"
                  "head = {distribution = \"choice\", values = [\"linear\", "
                  "\"logistic_regression\"]}\n"),
      "r.toml");
  EXPECT_EQ(varied_of(sweep.varied),
            (Pairs{{"args.head_learning_rate", "random"}, {"model.head", "random"}}));
}

TEST(SweepVaried, ARunSweepRecordsWhatItVaries) {
  test::TempDir dir;
  std::ofstream(dir.path() / "train.jsonl")
      << "{\"text\": \"bad film\", \"label\": \"neg\"}\n{\"text\": \"dull plot\", \"label\": "
         "\"neg\"}\n{\"text\": \"great film\", \"label\": \"pos\"}\n{\"text\": \"fine story\", "
         "\"label\": \"pos\"}\n";
  const auto file = dir.path() / "s.toml";
  std::ofstream(file) << "[sweep]\nname = \"s\"\nseeds = [0]\n[data]\ntrain = \"train.jsonl\"\n"
                      << "[model]\nbody = \"" << test::golden_dir("bert-tiny").string() << "\"\n"
                      << "[args]\nnum_epochs = [0, 1]\n[grid]\nhead = [\"logistic_regression\", "
                         "\"linear\"]\n";
  const auto db = dir.path() / "runs.db";
  const auto r = test::run_command(std::string(SETFIT_TEST_CLI) + " sweep run " + file.string() +
                                   " --db " + db.string() + " --jobs 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto store = RunStore::open(db, false);
  const auto id = store->find_sweep("s");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(varied_of(store->varied(*id)), (Pairs{{"model.head", "grid"}, {"args.seed", "seeds"}}));
}

}  // namespace
}  // namespace setfit
