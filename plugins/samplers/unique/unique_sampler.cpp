// `unique`: every unique pair once, positives and negatives as many as exist.

#include "../common/pair_sampling.hpp"

namespace {

class UniqueSampler final : public setfit::Sampler {
 public:
  explicit UniqueSampler(const setfit::Params&) {}
  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Sampler, "unique", "1.0.0", "Every unique pair exactly once", {}};
  }
  std::vector<setfit::SamplePair> sample(const setfit::SamplingRequest& request) override {
    using namespace setfit::samplers;
    const auto counts = count_pairs(request.labels);
    require_both_kinds(counts, request.labels.size(), "unique");
    const auto [pos, neg] = target_lengths(request, counts.positives, counts.negatives);
    return interleave(draw_pairs(request, pos, neg), pos, neg);
  }
};

}  // namespace

SETFIT_PLUGIN(UniqueSampler)
