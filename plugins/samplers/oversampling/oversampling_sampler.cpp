// `oversampling` (SetFit's default): the shorter of the positive and negative pair lists
// is cycled up to the longer one's length; pairs alternate positive, negative.

#include "../common/pair_sampling.hpp"

namespace {

class OversamplingSampler final : public setfit::Sampler {
 public:
  explicit OversamplingSampler(const setfit::Params&) {}
  static setfit::PluginInfo info() {
    return {
        setfit::PluginKind::Sampler,
        "oversampling",
        "1.1.0",
        "All unique pairs, the shorter list cycled to the longer one's length (SetFit's default)",
        {}};
  }
  std::vector<setfit::SamplePair> sample(const setfit::SamplingRequest& request) override {
    using namespace setfit::samplers;
    const auto counts = count_pairs(request.labels);
    require_both_kinds(counts, request.labels.size(), "oversampling");
    const auto longest = std::max(counts.positives, counts.negatives);
    const auto [pos, neg] = target_lengths(request, longest, longest);
    return interleave(draw_pairs(request, pos, neg), pos, neg);
  }
};

}  // namespace

SETFIT_PLUGIN(OversamplingSampler)
