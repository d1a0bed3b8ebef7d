// Pair samplers against the pair counts of SetFit's sampling strategies.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "builtin_registry.hpp"
#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {
namespace {

PluginRegistry& registry() {
  return test::builtin_registry();
}

SamplingRequest balanced(int classes, int per_class) {
  SamplingRequest request;
  for (int c = 0; c < classes; ++c) {
    for (int i = 0; i < per_class; ++i) request.labels.push_back({c});
  }
  return request;
}

bool is_positive(const SamplingRequest& r, const SamplePair& p) {
  return r.labels[p.first] == r.labels[p.second];
}

struct Split {
  std::size_t positives = 0, negatives = 0;
  std::set<std::pair<int64_t, int64_t>> unique_positives, unique_negatives;
};
Split split(const SamplingRequest& r, const std::vector<SamplePair>& pairs) {
  Split s;
  for (const auto& p : pairs) {
    const bool positive = is_positive(r, p);
    EXPECT_EQ(p.target, positive ? 1.0f : 0.0f);
    (positive ? s.positives : s.negatives)++;
    (positive ? s.unique_positives : s.unique_negatives).insert({p.first, p.second});
  }
  return s;
}

TEST(Samplers, UndersamplingCutsToTheShorterList) {
  auto r = balanced(2, 8);
  auto s = split(r, registry().create_sampler("undersampling")->sample(r));
  EXPECT_EQ(s.positives, 64u);
  EXPECT_EQ(s.negatives, 64u);
  EXPECT_EQ(s.unique_positives.size(), 64u);  // no repeats
}

TEST(Samplers, UniqueTakesEveryPairOnce) {
  auto r = balanced(2, 8);
  auto pairs = registry().create_sampler("unique")->sample(r);
  auto s = split(r, pairs);
  EXPECT_EQ(s.positives, 72u);  // K N (N+1) / 2, the diagonal included
  EXPECT_EQ(s.negatives, 64u);  // K (K-1) / 2 N^2
  EXPECT_EQ(s.unique_positives.size() + s.unique_negatives.size(), pairs.size());
  auto three = balanced(3, 4);
  auto s3 = split(three, registry().create_sampler("unique")->sample(three));
  EXPECT_EQ(s3.positives, 3u * 4 * 5 / 2);
  EXPECT_EQ(s3.negatives, 3u * 16);
}

TEST(Samplers, NumIterationsOverridesEveryStrategy) {
  auto r = balanced(2, 8);
  r.num_iterations = 3;
  for (const char* name : {"oversampling", "undersampling", "unique"}) {
    auto s = split(r, registry().create_sampler(name)->sample(r));
    EXPECT_EQ(s.positives, 3u * 16) << name;
    EXPECT_EQ(s.negatives, 3u * 16) << name;
  }
}

TEST(Samplers, PaperDrawsOnePositiveAndOneNegativePerSentenceAndIteration) {
  auto r = balanced(3, 5);
  auto sampler = registry().create_sampler("paper");
  auto pairs = sampler->sample(r);
  EXPECT_EQ(pairs.size(), 2u * 15 * 20);  // R = 20 when num_iterations is unset
  auto s = split(r, pairs);
  EXPECT_EQ(s.positives, s.negatives);
  for (std::size_t k = 0; k < pairs.size(); k += 2) EXPECT_EQ(pairs[k].first, pairs[k + 1].first);
  r.num_iterations = 2;
  EXPECT_EQ(sampler->sample(r).size(), 2u * 15 * 2);
}

TEST(Samplers, MultiLabelPairsArePositiveWhenTheyShareALabel) {
  SamplingRequest r;
  r.labels = {{0}, {0, 1}, {1}, {2}};
  auto pairs = registry().create_sampler("unique")->sample(r);
  std::size_t positives = 0;
  for (const auto& p : pairs) {
    const auto& a = r.labels[p.first];
    const auto& b = r.labels[p.second];
    bool shared = false;
    for (auto x : a) shared |= std::find(b.begin(), b.end(), x) != b.end();
    EXPECT_EQ(p.target, shared ? 1.0f : 0.0f);
    positives += shared;
  }
  EXPECT_EQ(positives, 6u);  // 4 self-pairs + (0, 01) + (01, 1)
  EXPECT_EQ(pairs.size(), 10u);
}

TEST(Samplers, CapNeverMaterialisesAllPairs) {
  // 200,000 examples have 2e10 unique pairs; a cap must not enumerate them.
  auto r = balanced(2, 100000);
  r.max_pairs = 1000;
  auto pairs = registry().create_sampler("oversampling")->sample(r);
  EXPECT_EQ(pairs.size(), 1000u);
  auto s = split(r, pairs);
  EXPECT_EQ(s.positives, 500u);
  EXPECT_EQ(s.unique_positives.size(), 500u);
}

TEST(Samplers, OneLabelIsAClearErrorForEveryStrategy) {
  auto r = balanced(1, 5);
  for (const char* name : {"oversampling", "undersampling", "unique", "paper"}) {
    try {
      registry().create_sampler(name)->sample(r);
      FAIL() << name;
    } catch (const PluginError& e) {
      EXPECT_NE(std::string(e.what()).find("only one label"), std::string::npos) << e.what();
    }
  }
}

TEST(Samplers, GroupByLabelMakesBatchesOfKExamplesPerLabel) {
  auto r = balanced(4, 6);
  r.labels.push_back({9});  // a label with a single example cannot be grouped
  r.batch_size = 8;
  auto sampler = registry().create_sampler("group_by_label");
  EXPECT_TRUE(sampler->yields_batches());
  EXPECT_THROW(sampler->sample(r), PluginError);
  auto batches = sampler->batches(r);
  std::set<int64_t> seen;
  for (const auto& batch : batches) {
    EXPECT_LE(batch.size(), 8u);
    std::map<int64_t, int> per_label;
    for (auto i : batch) {
      ++per_label[r.labels[i][0]];
      EXPECT_TRUE(seen.insert(i).second) << "example " << i << " twice in one pass";
    }
    EXPECT_GE(per_label.size(), 2u);
    for (auto [label, count] : per_label) {
      EXPECT_EQ(count, 2) << "label " << label;
      EXPECT_NE(label, 9);
    }
  }
  EXPECT_EQ(seen.size(), 24u);              // every groupable example once
  EXPECT_EQ(sampler->batches(r), batches);  // deterministic under the seed
  r.num_iterations = 3;
  EXPECT_EQ(sampler->batches(r).size(), 3 * batches.size());
}

TEST(Samplers, PairSamplersRefuseToMakeBatches) {
  auto r = balanced(2, 4);
  auto sampler = registry().create_sampler("oversampling");
  EXPECT_FALSE(sampler->yields_batches());
  EXPECT_THROW(sampler->batches(r), PluginError);
}

}  // namespace
}  // namespace setfit
