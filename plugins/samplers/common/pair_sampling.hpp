#pragma once

// Shared by the built-in pair samplers (header-only: each plugin is its own library).
// SetFit's ContrastiveDataset semantics: unordered pairs (i, j), i <= j, diagonal included,
// visited in a seeded random order; positive when the two examples share a label.
// BETTER than SetFit: the order is a lazy Fisher-Yates shuffle over pair indices, so only
// as many pairs as the sampler keeps are ever generated (no O(n^2) list under a cap).

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "setfit/errors.hpp"
#include "setfit/plugin.hpp"

namespace setfit::samplers {

inline bool share_a_label(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  for (auto x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

struct PairCounts {
  std::uint64_t positives = 0;
  std::uint64_t negatives = 0;
};

// How many unique positive and negative pairs exist, in O(n) for single-label data.
inline PairCounts count_pairs(const std::vector<std::vector<std::int64_t>>& labels) {
  const auto n = static_cast<std::uint64_t>(labels.size());
  const std::uint64_t all = n * (n + 1) / 2;
  bool single =
      std::all_of(labels.begin(), labels.end(), [](const auto& l) { return l.size() == 1; });
  PairCounts counts;
  if (single) {
    std::unordered_map<std::int64_t, std::uint64_t> per_label;
    for (const auto& l : labels) ++per_label[l[0]];
    for (const auto& [label, c] : per_label) counts.positives += c * (c + 1) / 2;
  } else {
    for (std::size_t i = 0; i < labels.size(); ++i) {
      for (std::size_t j = i; j < labels.size(); ++j)
        counts.positives += share_a_label(labels[i], labels[j]);
    }
  }
  counts.negatives = all - counts.positives;
  return counts;
}

struct PairLists {
  std::vector<SamplePair> positives;
  std::vector<SamplePair> negatives;
};

// The first `want_positives` positive and `want_negatives` negative pairs of a seeded
// random order of all unique pairs (fewer when fewer exist).
inline PairLists draw_pairs(const SamplingRequest& request, std::uint64_t want_positives,
                            std::uint64_t want_negatives) {
  const auto n = static_cast<std::uint64_t>(request.labels.size());
  const std::uint64_t total = n * (n + 1) / 2;
  // Row i of the upper triangle starts at offset(i) = i*n - i*(i-1)/2.
  auto offset = [n](std::uint64_t i) { return i * n - i * (i - 1) / 2; };
  auto pair_at = [&](std::uint64_t k) {
    std::uint64_t lo = 0, hi = n - 1;
    while (lo < hi) {
      const std::uint64_t mid = (lo + hi + 1) / 2;
      if (offset(mid) <= k)
        lo = mid;
      else
        hi = mid - 1;
    }
    return std::pair<std::int64_t, std::int64_t>(static_cast<std::int64_t>(lo),
                                                 static_cast<std::int64_t>(lo + (k - offset(lo))));
  };
  std::mt19937_64 rng(request.seed);
  std::unordered_map<std::uint64_t, std::uint64_t> swapped;  // sparse Fisher-Yates
  auto value_at = [&](std::uint64_t k) {
    auto it = swapped.find(k);
    return it == swapped.end() ? k : it->second;
  };
  PairLists lists;
  for (std::uint64_t t = 0; t < total; ++t) {
    if (lists.positives.size() >= want_positives && lists.negatives.size() >= want_negatives) break;
    std::uniform_int_distribution<std::uint64_t> pick(t, total - 1);
    const std::uint64_t r = pick(rng);
    const std::uint64_t chosen = value_at(r);
    swapped[r] = value_at(t);
    const auto [i, j] = pair_at(chosen);
    const bool positive = share_a_label(request.labels[static_cast<std::size_t>(i)],
                                        request.labels[static_cast<std::size_t>(j)]);
    auto& list = positive ? lists.positives : lists.negatives;
    if (list.size() < (positive ? want_positives : want_negatives)) {
      list.push_back({i, j, positive ? 1.0f : 0.0f});
    }
  }
  return lists;
}

// Cycles each list to its length and interleaves positive, negative, positive, ...
inline std::vector<SamplePair> interleave(const PairLists& lists, std::uint64_t positives,
                                          std::uint64_t negatives) {
  std::vector<SamplePair> out;
  out.reserve(positives + negatives);
  for (std::uint64_t k = 0; k < std::max(positives, negatives); ++k) {
    if (k < positives && !lists.positives.empty())
      out.push_back(lists.positives[k % lists.positives.size()]);
    if (k < negatives && !lists.negatives.empty())
      out.push_back(lists.negatives[k % lists.negatives.size()]);
  }
  return out;
}

// Refuses data that cannot give both kinds of pairs (SetFit fails late, or trains on nothing).
inline void require_both_kinds(const PairCounts& counts, std::size_t examples,
                               const char* sampler) {
  if (examples == 0) throw Error(fmt::format("{}: the training set is empty", sampler));
  if (counts.positives == 0 || counts.negatives == 0) {
    throw Error(
        fmt::format("{} needs both positive and negative pairs, but the {} training examples "
                    "give {} positive and {} negative pairs (is there only one label?)",
                    sampler, examples, counts.positives, counts.negatives));
  }
}

// Lengths of both lists: num_iterations * n each when set, else `strategy_length`; each
// capped at max_pairs / 2 when max_pairs is set.
inline std::pair<std::uint64_t, std::uint64_t> target_lengths(const SamplingRequest& request,
                                                              std::uint64_t positives,
                                                              std::uint64_t negatives) {
  if (request.num_iterations > 0) {
    const auto each = static_cast<std::uint64_t>(request.num_iterations) * request.labels.size();
    positives = negatives = each;
  }
  if (request.max_pairs > 0) {
    const auto cap = static_cast<std::uint64_t>(request.max_pairs / 2);
    positives = std::min(positives, cap);
    negatives = std::min(negatives, cap);
  }
  return {positives, negatives};
}

}  // namespace setfit::samplers
