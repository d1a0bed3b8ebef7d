// plan_sweep, the resume rules on their own: no processes, no store.
#include <gtest/gtest.h>

#include "setfit/sweep.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

PreparedRun run(const std::string& key, const std::string& stage1_key) {
  PreparedRun p;
  p.key = key;
  p.stage1_key = stage1_key;
  p.label = "run " + key;
  return p;
}

StoredRunState state(std::int64_t id, RunStatus status, std::int64_t attempt = 0) {
  StoredRunState s;
  s.id = id;
  s.status = status;
  s.attempt = attempt;
  return s;
}

std::vector<std::vector<std::size_t>> units_of(const SweepPlan& plan) {
  std::vector<std::vector<std::size_t>> out;
  for (const auto& unit : plan.units) out.push_back(unit.runs);
  return out;
}

TEST(SweepPlan, NewRunsWithOneStageOneShareAUnitUnlessSharingIsOff) {
  const std::vector<PreparedRun> runs = {run("a", "s1"), run("b", "s1"), run("c", "s2")};
  const std::vector<StoredRunState> states = {state(1, RunStatus::Scheduled),
                                              state(2, RunStatus::Scheduled),
                                              state(3, RunStatus::Scheduled)};
  PlanPolicy policy;
  auto plan = plan_sweep(runs, states, policy);
  EXPECT_EQ(plan.to_do, 3u);
  EXPECT_EQ(units_of(plan), (std::vector<std::vector<std::size_t>>{{0, 1}, {2}}));
  policy.share = false;
  plan = plan_sweep(runs, states, policy);
  EXPECT_EQ(units_of(plan), (std::vector<std::vector<std::size_t>>{{0}, {1}, {2}}));
}

TEST(SweepPlan, FinishedAndDivergedAreSkippedFailedRetriedWithinAttemptsKilledRetried) {
  const std::vector<PreparedRun> runs = {run("a", "a"), run("b", "b"), run("c", "c"), run("d", "d"),
                                         run("e", "e")};
  const std::vector<StoredRunState> states = {
      state(1, RunStatus::Finished, 1), state(2, RunStatus::Diverged, 1),
      state(3, RunStatus::Failed, 2), state(4, RunStatus::Failed, 3),
      state(5, RunStatus::Killed, 1)};
  PlanPolicy policy;
  policy.max_attempts = 3;
  const auto plan = plan_sweep(runs, states, policy);
  EXPECT_EQ(units_of(plan), (std::vector<std::vector<std::size_t>>{{2}, {4}}));
  EXPECT_EQ(plan.skipped, 3u);
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_TRUE(contains(plan.notes[0], "run 4 (run d) failed 3 times; not retried"))
      << plan.notes[0];
}

TEST(SweepPlan, RunningRunsAreLeftAloneUnlessTheirWorkerIsDeadHereOrTheirHeartbeatStale) {
  const std::vector<PreparedRun> runs = {run("a", "a"), run("b", "b"), run("c", "c"),
                                         run("d", "d")};
  std::vector<StoredRunState> states(4);
  for (std::int64_t i = 0; i < 4; ++i) states[i] = state(i + 1, RunStatus::Running, 1);
  states[0].on_this_host = true;  // alive here
  states[0].worker_alive = true;
  states[1].on_this_host = true;  // its worker is gone
  states[2].host = "other";       // elsewhere, recent heartbeat
  states[2].heartbeat_age_s = 5;
  states[3].host = "other";  // elsewhere, silent for too long
  states[3].heartbeat_age_s = 1000;
  PlanPolicy policy;
  policy.stale_after_s = 300;
  const auto plan = plan_sweep(runs, states, policy);
  EXPECT_EQ(units_of(plan), (std::vector<std::vector<std::size_t>>{{1}, {3}}));
  EXPECT_EQ(plan.skipped, 2u);
}

TEST(SweepPlan, GridPointsThatAreOneStoredRunRunOnce) {
  const std::vector<PreparedRun> runs = {run("a", "s"), run("a", "s")};
  const std::vector<StoredRunState> states = {state(7, RunStatus::Scheduled),
                                              state(7, RunStatus::Scheduled)};
  const auto plan = plan_sweep(runs, states, PlanPolicy{});
  EXPECT_EQ(units_of(plan), (std::vector<std::vector<std::size_t>>{{0}}));
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_TRUE(contains(plan.notes[0], "run 2 (run a) is the same run as run 1")) << plan.notes[0];
}

}  // namespace
}  // namespace setfit
