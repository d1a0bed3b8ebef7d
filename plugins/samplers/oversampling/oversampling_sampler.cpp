// `oversampling`: SetFit's default pair sampler (ContrastiveDataset). Every unordered
// pair (i, j) with i <= j is visited in a seeded random order; a pair is positive when
// the two examples share a label. Both lists are brought to the longer one's length by
// cycling the shorter (or to num_iterations * n each when num_iterations > 0), each
// capped at max_pairs / 2, then emitted alternately positive, negative.

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "setfit/errors.hpp"
#include "setfit/plugin.hpp"

namespace {

bool share_a_label(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  for (auto x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

class OversamplingSampler final : public setfit::Sampler {
 public:
  explicit OversamplingSampler(const setfit::Params&) {}

  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Sampler,
            "oversampling",
            "1.0.0",
            "All unique pairs, the shorter of the positive and negative lists cycled to the "
            "longer one's length (SetFit's default)",
            {}};
  }

  std::vector<setfit::SamplePair> sample(const setfit::SamplingRequest& request) override {
    const auto n = static_cast<std::int64_t>(request.labels.size());
    if (n == 0) throw setfit::Error("cannot draw pairs from an empty training set");

    std::vector<std::pair<std::int64_t, std::int64_t>> combinations;
    combinations.reserve(static_cast<std::size_t>(n * (n + 1) / 2));
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = i; j < n; ++j) combinations.emplace_back(i, j);
    }
    std::mt19937_64 rng(request.seed);
    std::shuffle(combinations.begin(), combinations.end(), rng);

    const std::int64_t cap = request.max_pairs > 0 ? request.max_pairs / 2 : -1;
    std::vector<setfit::SamplePair> positives;
    std::vector<setfit::SamplePair> negatives;
    for (const auto& [i, j] : combinations) {
      const bool positive = share_a_label(request.labels[i], request.labels[j]);
      auto& list = positive ? positives : negatives;
      if (cap < 0 || static_cast<std::int64_t>(list.size()) < cap) {
        list.push_back({i, j, positive ? 1.0f : 0.0f});
      }
      if (cap >= 0 && static_cast<std::int64_t>(positives.size()) >= cap &&
          static_cast<std::int64_t>(negatives.size()) >= cap) {
        break;
      }
    }
    if (positives.empty() || negatives.empty()) {
      throw setfit::Error(fmt::format(
          "oversampling needs both positive and negative pairs, but the {} training examples "
          "give {} positive and {} negative pairs (is there only one label?)",
          n, positives.size(), negatives.size()));
    }

    const std::size_t length = request.num_iterations > 0
                                   ? static_cast<std::size_t>(request.num_iterations * n)
                                   : std::max(positives.size(), negatives.size());
    std::vector<setfit::SamplePair> pairs;
    pairs.reserve(2 * length);
    for (std::size_t k = 0; k < length; ++k) {
      pairs.push_back(positives[k % positives.size()]);
      pairs.push_back(negatives[k % negatives.size()]);
    }
    return pairs;
  }
};

}  // namespace

SETFIT_PLUGIN(OversamplingSampler)
