// Sweep expansion: pairs for per-stage fields, [grid.embedding]/[grid.classifier] halves,
// zip groups, the seeds axis, random search (deterministic under its seed), and errors that
// name the file position and the key.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "../../framework/src/sweep/sweep_spec.hpp"
#include "setfit/errors.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using detail::expand_sweep;
using test::contains;

detail::ExpandedSweep expand(const std::string& text) {
  return expand_sweep(toml::parse(std::string_view(text), std::string_view("sweep.toml")),
                      "sweep.toml");
}

std::string value_at(const detail::ExpandedRun& run, const std::string& path) {
  return detail::render_toml_value(*run.config.at_path(path).node());
}

std::string error_of(const std::string& text) {
  try {
    expand(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

constexpr const char* kHeader = "[sweep]\nname = \"t\"\n";

TEST(SweepExpansion, PairsScalarsAndTheCartesianProductInFileOrder) {
  auto sweep = expand(std::string(kHeader) +
                      "[args]\nnum_iterations = 20\n"
                      "[grid]\nbatch_size = [[16, 2], [32, 4]]\n"
                      "body_learning_rate = [2e-5, [2e-5, 1e-5]]\n"
                      "loss = [\"CosineSimilarityLoss\", \"ContrastiveLoss\"]\n");
  ASSERT_EQ(sweep.runs.size(), 8u);
  EXPECT_EQ(value_at(sweep.runs[0], "args.batch_size"), "[16, 2]");
  EXPECT_EQ(value_at(sweep.runs[0], "args.body_learning_rate"), "2e-05");
  EXPECT_EQ(value_at(sweep.runs[1], "args.loss"), "\"ContrastiveLoss\"");  // last key fastest
  EXPECT_EQ(value_at(sweep.runs[2], "args.body_learning_rate"), "[2e-05, 1e-05]");
  EXPECT_EQ(value_at(sweep.runs[4], "args.batch_size"), "[32, 4]");
  EXPECT_EQ(value_at(sweep.runs[7], "args.num_iterations"), "20");  // fixed values stay
  ASSERT_EQ(sweep.runs[7].assignments.size(), 3u);
  EXPECT_EQ(sweep.runs[7].assignments[0].key, "args.batch_size");
}

TEST(SweepExpansion, PerStageTablesVaryOneHalf) {
  auto sweep = expand(std::string(kHeader) +
                      "[args]\nbody_learning_rate = [1e-3, 7e-6]\n"
                      "[grid.embedding]\nbody_learning_rate = [1e-3, 3e-3]\n"
                      "[grid.classifier]\nbatch_size = [2, 8]\n");
  ASSERT_EQ(sweep.runs.size(), 4u);
  // The other half comes from the fixed table, or from the default (batch_size [16, 2]).
  EXPECT_EQ(value_at(sweep.runs[1], "args.body_learning_rate"), "[0.001, 7e-06]");
  EXPECT_EQ(value_at(sweep.runs[1], "args.batch_size"), "[16, 8]");
  EXPECT_EQ(value_at(sweep.runs[2], "args.body_learning_rate"), "[0.003, 7e-06]");
  EXPECT_EQ(sweep.runs[3].assignments[0].key, "args.body_learning_rate[embedding]");
}

TEST(SweepExpansion, ZipGroupsPluginParamsModelsAndSeeds) {
  auto sweep = expand(
      "[sweep]\nname = \"t\"\nseeds = [0, 1, 2]\n"
      "[grid]\nloss_and_margin = [{loss = \"ContrastiveLoss\", margin = 0.5}, "
      "{loss = \"CosineSimilarityLoss\"}]\n"
      "\"head_params.C\" = [0.1, 1.0]\n"
      "body = [\"glove-100d\", \"models/minilm\"]\n");
  ASSERT_EQ(sweep.runs.size(), 2u * 2u * 2u * 3u);
  const auto& first = sweep.runs[0];
  EXPECT_EQ(value_at(first, "args.loss"), "\"ContrastiveLoss\"");
  EXPECT_EQ(value_at(first, "args.margin"), "0.5");
  EXPECT_EQ(value_at(first, "model.head_params.C"), "0.1");
  EXPECT_EQ(value_at(first, "model.body"), "\"glove-100d\"");
  // Seeds are the innermost axis.
  EXPECT_EQ(value_at(sweep.runs[0], "args.seed"), "0");
  EXPECT_EQ(value_at(sweep.runs[1], "args.seed"), "1");
  EXPECT_EQ(value_at(sweep.runs[3], "model.body"), "\"models/minilm\"");
  // The second zip value sets the loss only: no margin is left behind from the first.
  const auto& second = sweep.runs[12];
  EXPECT_EQ(value_at(second, "args.loss"), "\"CosineSimilarityLoss\"");
  EXPECT_FALSE(second.config.at_path("args.margin"));
}

TEST(SweepExpansion, RandomSearchIsDeterministicUnderItsSeed) {
  const std::string text =
      "[sweep]\nname = \"r\"\nmethod = \"random\"\ntrials = 6\nsearch_seed = 7\nseeds = [0, 1]\n"
      "[grid]\nhead_learning_rate = {distribution = \"log_uniform\", low = 1e-4, high = 1e-1}\n"
      "warmup_proportion = {distribution = \"uniform\", low = 0.0, high = 0.5}\n"
      "num_iterations = {distribution = \"int_uniform\", low = 5, high = 40}\n"
      "loss = {distribution = \"choice\", values = [\"CosineSimilarityLoss\", "
      "\"ContrastiveLoss\"]}\n"
      "sampling_strategy = [\"oversampling\", \"unique\"]\n";
  auto a = expand(text), b = expand(text);
  ASSERT_EQ(a.runs.size(), 12u);
  std::set<std::string> rates;
  for (std::size_t i = 0; i < a.runs.size(); ++i) {
    EXPECT_EQ(a.runs[i].config, b.runs[i].config) << i;
    const double rate = *a.runs[i].config.at_path("args.head_learning_rate").value<double>();
    EXPECT_TRUE(rate >= 1e-4 && rate <= 1e-1) << rate;
    const auto iterations = *a.runs[i].config.at_path("args.num_iterations").value<std::int64_t>();
    EXPECT_TRUE(iterations >= 5 && iterations <= 40) << iterations;
    rates.insert(value_at(a.runs[i], "args.head_learning_rate"));
  }
  EXPECT_EQ(rates.size(), 6u);  // one draw per trial, shared by its seeds
  auto changed = text;
  changed.replace(changed.find("search_seed = 7"), 15, "search_seed = 8");
  auto other = expand(changed);
  EXPECT_NE(other.runs[0].config, a.runs[0].config);
}

TEST(SweepExpansion, ErrorsNameThePositionAndTheKey) {
  EXPECT_TRUE(contains(error_of("[grid]\nloss = [\"a\"]\n"), "needs a [sweep] table"));
  EXPECT_TRUE(contains(error_of(std::string(kHeader) + "[grid]\nbach_size = [16]\n"),
                       "sweep.toml:4:13: [grid] unknown key 'bach_size'"));
  EXPECT_TRUE(contains(error_of(std::string(kHeader) + "[grid]\nseed = 3\n"),
                       "sweep.toml:4:8: [grid] 'seed' must be a list of values"));
  EXPECT_TRUE(contains(error_of(std::string(kHeader) + "[grid.embedding]\nloss = [\"x\"]\n"),
                       "is not a per-stage field"));
  EXPECT_TRUE(contains(
      error_of(std::string(kHeader) + "[grid]\nhead_learning_rate = {distribution = \"uniform\", "
                                      "low = 0.1, high = 0.2}\n"),
      "distribution table"));
  EXPECT_TRUE(contains(error_of("[sweep]\nname = \"t\"\nmethod = \"bayes\"\n"),
                       "sweep.toml:3:10: [sweep] method must be \"grid\" or \"random\""));
  EXPECT_TRUE(contains(error_of("[sweep]\nname = \"t\"\nmethod = \"random\"\n"), "trials = N"));
  EXPECT_TRUE(contains(error_of(std::string(kHeader) + "[grids]\n"), "unknown table [grids]"));
  EXPECT_TRUE(
      contains(error_of(std::string(kHeader) + "[grid]\nloss = []\n"), "needs at least one value"));
  // Found by the sweep-file fuzzer: a bare value in a zip group has no key (it crashed).
  const auto zip = error_of(std::string(kHeader) +
                            "[grid]\npair = [{loss = \"ContrastiveLoss\", margin = 0.5}, 1e-3]\n");
  EXPECT_TRUE(contains(zip,
                       "sweep.toml:4:51: [grid] 'pair' is a zip group (a list of tables), but "
                       "entry 2 is not a table"))
      << zip;
}

}  // namespace
}  // namespace setfit
