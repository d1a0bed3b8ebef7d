// `undersampling`: both pair lists cut to the shorter one's length.

#include "../common/pair_sampling.hpp"

namespace {

class UndersamplingSampler final : public setfit::Sampler {
 public:
  explicit UndersamplingSampler(const setfit::Params&) {}
  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Sampler,
            "undersampling",
            "1.0.0",
            "As many positive as negative pairs: the longer list is cut to the shorter",
            {}};
  }
  std::vector<setfit::SamplePair> sample(const setfit::SamplingRequest& request) override {
    using namespace setfit::samplers;
    const auto counts = count_pairs(request.labels);
    require_both_kinds(counts, request.labels.size(), "undersampling");
    const auto shortest = std::min(counts.positives, counts.negatives);
    const auto [pos, neg] = target_lengths(request, shortest, shortest);
    return interleave(draw_pairs(request, pos, neg), pos, neg);
  }
};

}  // namespace

SETFIT_PLUGIN(UndersamplingSampler)
