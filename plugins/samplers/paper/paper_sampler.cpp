// `paper`: the original SetFit paper's sampler. For each of R iterations and each
// sentence, one random positive partner from its class (possibly itself) and one random
// negative from the other classes: 2 * n * R pairs. R is num_iterations (20 when unset).

#include "../common/pair_sampling.hpp"

namespace {

class PaperSampler final : public setfit::Sampler {
 public:
  explicit PaperSampler(const setfit::Params& p)
      : default_iterations_(p.get_int("default_iterations")) {
    if (default_iterations_ < 1) throw setfit::Error("default_iterations must be positive");
  }
  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Sampler,
            "paper",
            "1.0.0",
            "Random positive and negative partner per sentence and iteration (2 n R pairs)",
            {{"default_iterations", setfit::ParamType::Int, std::int64_t{20},
              "R when num_iterations is unset"}}};
  }
  std::vector<setfit::SamplePair> sample(const setfit::SamplingRequest& request) override {
    using namespace setfit::samplers;
    const auto n = request.labels.size();
    if (n == 0) throw setfit::Error("paper: the training set is empty");
    std::vector<std::vector<std::int64_t>> positives(n), negatives(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        (share_a_label(request.labels[i], request.labels[j]) ? positives[i] : negatives[i])
            .push_back(static_cast<std::int64_t>(j));
      }
      if (negatives[i].empty()) {
        throw setfit::Error(
            fmt::format("paper: example {} shares a label with every other example, so it "
                        "has no negative partner (is there only one label?)",
                        i));
      }
    }
    const std::int64_t rounds =
        request.num_iterations > 0 ? request.num_iterations : default_iterations_;
    std::mt19937_64 rng(request.seed);
    std::vector<setfit::SamplePair> pairs;
    pairs.reserve(2 * n * static_cast<std::size_t>(rounds));
    for (std::int64_t r = 0; r < rounds; ++r) {
      for (std::size_t i = 0; i < n; ++i) {
        const auto& pos = positives[i];
        const auto& neg = negatives[i];
        pairs.push_back({static_cast<std::int64_t>(i),
                         pos[std::uniform_int_distribution<std::size_t>(0, pos.size() - 1)(rng)],
                         1.0f});
        pairs.push_back({static_cast<std::int64_t>(i),
                         neg[std::uniform_int_distribution<std::size_t>(0, neg.size() - 1)(rng)],
                         0.0f});
      }
    }
    if (request.max_pairs > 0 && pairs.size() > static_cast<std::size_t>(request.max_pairs)) {
      pairs.resize(static_cast<std::size_t>(request.max_pairs));
    }
    return pairs;
  }

 private:
  std::int64_t default_iterations_;
};

}  // namespace

SETFIT_PLUGIN(PaperSampler)
