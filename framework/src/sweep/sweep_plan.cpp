// What a sweep has left to do, from its prepared runs and the store's state: no processes,
// no store access, so every resume rule is unit-tested directly.

#include <fmt/format.h>

#include <map>

#include "setfit/sweep.hpp"

namespace setfit {

SweepPlan plan_sweep(const std::vector<PreparedRun>& runs,
                     const std::vector<StoredRunState>& states, const PlanPolicy& policy) {
  SweepPlan plan;
  std::vector<std::size_t> todo;
  std::map<std::int64_t, std::size_t> first_with_id;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const StoredRunState& state = states.at(i);
    // Two grid points that resolve to the same config are one run.
    const auto [first, is_new] = first_with_id.emplace(state.id, i);
    if (!is_new) {
      plan.notes.push_back(fmt::format("run {} ({}) is the same run as run {}: run once", i + 1,
                                       runs[i].label, first->second + 1));
      continue;
    }
    switch (state.status) {
      case RunStatus::Finished:
      case RunStatus::Diverged:  // deterministic: it would diverge again
        ++plan.skipped;
        continue;
      case RunStatus::Failed:
        if (state.attempt >= policy.max_attempts) {
          plan.notes.push_back(fmt::format("run {} ({}) failed {} times; not retried", i + 1,
                                           runs[i].label, state.attempt));
          ++plan.skipped;
          continue;
        }
        break;
      case RunStatus::Running: {
        const bool dead_here = state.on_this_host && !state.worker_alive;
        if (!dead_here && state.heartbeat_age_s < policy.stale_after_s) {
          plan.notes.push_back(fmt::format("run {} is RUNNING elsewhere (pid {} on {}); left alone",
                                           i + 1, state.pid, state.host));
          ++plan.skipped;
          continue;
        }
        break;
      }
      default:  // SCHEDULED, KILLED
        break;
    }
    todo.push_back(i);
  }
  // Runs with the same stage-1 inputs form one unit that trains stage 1 once.
  std::map<std::string, std::size_t> unit_of;
  for (auto index : todo) {
    const std::string& key = policy.share ? runs[index].stage1_key : runs[index].key;
    const auto [it, added] = unit_of.emplace(key, plan.units.size());
    if (added) plan.units.emplace_back();
    plan.units[it->second].runs.push_back(index);
  }
  plan.to_do = todo.size();
  return plan;
}

}  // namespace setfit
