// `setfit sweep status --watch` follows a sweep while its runs finish, with the counts, the
// best configuration so far and an ETA, and stops when nothing is scheduled or running.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "setfit/run_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

TEST(SweepWatch, FollowsRunsUntilNoneIsOpenAndShowsTheBestSoFar) {
  test::TempDir dir;
  const auto db = dir.path() / "runs.db";
  std::vector<std::int64_t> ids;
  {
    auto store = RunStore::open(db);
    const auto sweep = store->ensure_sweep("w", "[sweep]\nname = \"w\"\n", "fp");
    for (int i = 0; i < 3; ++i) {
      const std::string key = std::to_string(i);  // (GCC 12 misreads "k" + ... here)
      ids.push_back(store->ensure_run(sweep, key));
      store->record_params(
          ids.back(), {{"model.head", "global", i == 2 ? "\"b\"" : "\"a\"", std::nullopt, false},
                       {"seed", "global", std::to_string(i), double(i), false}});
    }
    store->start_run(ids[0], 1, "h");
    store->record_summary(ids[0], {{"accuracy", 0.75}});
    store->finish_run(ids[0], RunStatus::Finished);
    store->start_run(ids[1], 1, "h");  // running; ids[2] still scheduled
  }
  // The watch runs in the background; the runs end only after it has shown each state, so
  // the test does not depend on how fast the process starts.
  const auto out = dir.path() / "out.txt", rc = dir.path() / "rc.txt";
  const std::string command = std::string(SETFIT_TEST_CLI) + " sweep status " + db.string() +
                              " --watch --interval 0.1 > " + out.string() + " 2>&1";
  ASSERT_EQ(std::system(("(" + command + "; echo $? > " + rc.string() + ") &").c_str()), 0);
  // Whatever happens below, the watch ends: no run is left open when the test leaves.
  struct CloseRuns {
    std::filesystem::path db;
    std::vector<std::int64_t> ids;
    ~CloseRuns() {
      auto store = RunStore::open(db, false);
      for (auto id : ids) {
        if (store->run(id).status == RunStatus::Scheduled ||
            store->run(id).status == RunStatus::Running)
          store->finish_run(id, RunStatus::Killed);
      }
    }
  } close_runs{db, ids};
  const auto wait_for = [&](const std::filesystem::path& file, const std::string& text) {
    for (int i = 0; i < 600; ++i) {
      if (contains(test::read_file(file), text)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  ASSERT_TRUE(wait_for(out, "1/3 done")) << test::read_file(out);
  {
    auto store = RunStore::open(db, false);
    store->record_summary(ids[1], {{"accuracy", 0.85}});
    store->finish_run(ids[1], RunStatus::Finished);
  }
  ASSERT_TRUE(wait_for(out, "2/3 done")) << test::read_file(out);
  {
    auto store = RunStore::open(db, false);
    store->start_run(ids[2], 1, "h");
    store->finish_run(ids[2], RunStatus::Failed, "embedding", "boom");
  }
  ASSERT_TRUE(wait_for(rc, "\n")) << test::read_file(out);
  EXPECT_EQ(test::read_file(rc), "0\n");
  test::CommandResult r;
  r.out = test::read_file(out);
  EXPECT_TRUE(contains(r.out,
                       "w: 1/3 done (1 finished, 0 failed, 0 diverged, 0 killed), 1 "
                       "running; best: accuracy 0.7500 (n=1) model.head=a"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "2/3 done")) << r.out;
  EXPECT_TRUE(contains(r.out, "ETA ")) << r.out;
  // The last line: all done, the best configuration over its seeds.
  const auto last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  EXPECT_TRUE(contains(last, "3/3 done (2 finished, 1 failed")) << last;
  EXPECT_TRUE(contains(last, "best: accuracy 0.8000 (n=2) model.head=a; done")) << last;
}

}  // namespace
}  // namespace setfit
