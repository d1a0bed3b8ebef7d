// `group_by_label`: label-grouped batches for the batch losses (triplet family, SupCon):
// each batch holds `samples_per_label` examples of batch_size / samples_per_label labels,
// so every anchor has in-batch positives. One pass covers every example of the labels
// that have enough examples; num_iterations > 0 makes that many passes. SetFit intends
// this but never turns it on; setfit-cpp's trainer picks it whenever the loss needs it.

#include <map>

#include "../common/pair_sampling.hpp"

namespace {

class GroupByLabelSampler final : public setfit::Sampler {
 public:
  explicit GroupByLabelSampler(const setfit::Params& p)
      : per_label_(p.get_int("samples_per_label")) {
    if (per_label_ < 2)
      throw setfit::Error("samples_per_label must be at least 2 (an anchor needs a positive)");
  }
  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Sampler,
            "group_by_label",
            "1.0.0",
            "Label-grouped batches (P labels x K examples) for batch losses",
            {{"samples_per_label", setfit::ParamType::Int, std::int64_t{2},
              "K: examples of each label per batch"}}};
  }
  bool yields_batches() const override { return true; }
  std::vector<setfit::SamplePair> sample(const setfit::SamplingRequest&) override {
    throw setfit::Error("group_by_label yields batches, not pairs");
  }
  std::vector<std::vector<std::int64_t>> batches(const setfit::SamplingRequest& request) override {
    const auto k = static_cast<std::size_t>(per_label_);
    if (request.batch_size < per_label_ * 2) {
      throw setfit::Error(
          fmt::format("group_by_label needs a batch of at least 2 labels x {} examples, got "
                      "batch_size {}",
                      per_label_, request.batch_size));
    }
    std::map<std::int64_t, std::vector<std::int64_t>> by_label;
    for (std::size_t i = 0; i < request.labels.size(); ++i) {
      if (request.labels[i].empty()) continue;
      by_label[request.labels[i].front()].push_back(static_cast<std::int64_t>(i));
    }
    std::erase_if(by_label, [&](const auto& entry) { return entry.second.size() < k; });
    if (by_label.size() < 2) {
      throw setfit::Error(
          fmt::format("group_by_label needs at least two labels with {} or more examples each", k));
    }
    const auto labels_per_batch = static_cast<std::size_t>(request.batch_size) / k;
    std::mt19937_64 rng(request.seed);
    std::vector<std::vector<std::int64_t>> out;
    const std::int64_t passes = std::max<std::int64_t>(1, request.num_iterations);
    for (std::int64_t pass = 0; pass < passes; ++pass) {
      // Chunks of K examples of one label, shuffled, then dealt into batches of distinct labels.
      std::vector<std::pair<std::int64_t, std::vector<std::int64_t>>> chunks;
      for (auto& [label, members] : by_label) {
        std::shuffle(members.begin(), members.end(), rng);
        for (std::size_t s = 0; s + k <= members.size(); s += k) {
          chunks.emplace_back(
              label, std::vector<std::int64_t>(members.begin() + s, members.begin() + s + k));
        }
      }
      std::shuffle(chunks.begin(), chunks.end(), rng);
      std::vector<std::int64_t> batch;
      std::vector<std::int64_t> batch_labels;
      std::vector<std::pair<std::int64_t, std::vector<std::int64_t>>> deferred;
      auto flush = [&] {
        if (batch_labels.size() >= 2) out.push_back(batch);
        batch.clear();
        batch_labels.clear();
      };
      for (auto& chunk : chunks) {
        if (std::find(batch_labels.begin(), batch_labels.end(), chunk.first) !=
            batch_labels.end()) {
          deferred.push_back(std::move(chunk));
          continue;
        }
        batch.insert(batch.end(), chunk.second.begin(), chunk.second.end());
        batch_labels.push_back(chunk.first);
        if (batch_labels.size() == labels_per_batch) flush();
      }
      for (auto& chunk : deferred) {
        if (std::find(batch_labels.begin(), batch_labels.end(), chunk.first) != batch_labels.end())
          flush();
        batch.insert(batch.end(), chunk.second.begin(), chunk.second.end());
        batch_labels.push_back(chunk.first);
        if (batch_labels.size() == labels_per_batch) flush();
      }
      flush();
    }
    if (request.max_pairs > 0) {
      // max_steps caps batches the way it caps pairs: max_steps * batch_size examples.
      const auto max_batches = static_cast<std::size_t>(
          std::max<std::int64_t>(1, request.max_pairs / request.batch_size));
      if (out.size() > max_batches) out.resize(max_batches);
    }
    return out;
  }

 private:
  std::int64_t per_label_;
};

}  // namespace

SETFIT_PLUGIN(GroupByLabelSampler)
