#pragma once

// A sweep store for the report tests: batch size (embedding stage) x head x 3 seeds, one
// run FAILED with a hostile error text, loss and evaluation curves for every finished run.
#include <filesystem>
#include <string>

#include "setfit/run_store.hpp"

namespace setfit::test {

struct ReportStore {
  std::filesystem::path file;
  std::size_t configs = 4, params = 2, finished = 11, failed = 1;
  std::size_t loss_points = 30;  // per run, embedding stage
};

// The error text of the failed run: a page that spliced it into HTML would run it.
inline const char* kHostileError = "</script><script>window.pwned=1</script><!--";

inline ReportStore make_report_store(const std::filesystem::path& dir) {
  ReportStore made;
  made.file = dir / "sweep.db";
  auto store = RunStore::open(made.file);
  const auto sweep = store->ensure_sweep(
      "grid", "[sweep]\nname = \"grid\"\nmetric = \"accuracy\"\ndirection = \"maximize\"\n", "fp");
  store->record_varied(
      sweep,
      {{"args.batch_size[embedding]", "grid"}, {"model.head", "grid"}, {"args.seed", "seeds"}});
  int n = 0;
  for (const std::int64_t batch : {8, 16}) {
    for (const std::string head : {"linear", "logistic_regression"}) {
      for (const std::int64_t seed : {0, 1, 2}) {
        const auto id = store->ensure_run(sweep, "key-" + std::to_string(n++));
        store->start_run(id, 1, "host");
        store->record_params(
            id, {{"batch_size", "embedding", std::to_string(batch), double(batch), false},
                 {"seed", "global", std::to_string(seed), double(seed), false},
                 {"model.head", "global", "\"" + head + "\"", std::nullopt, false}});
        if (batch == 16 && head == "linear" && seed == 2) {
          store->finish_run(id, RunStatus::Failed, "embedding", kHostileError);
          continue;
        }
        std::vector<MetricPoint> points;
        for (std::int64_t step = 0; step < 30; ++step)
          points.push_back({"embedding", step, "loss", 1.0 / double(step + 1 + seed)});
        points.push_back({"classifier", 10, "eval_accuracy", 0.5 + 0.01 * double(batch)});
        points.push_back({"classifier", 20, "eval_accuracy", 0.6 + 0.01 * double(batch)});
        store->record_metrics(id, points);
        const double accuracy =
            0.6 + 0.01 * double(batch) + (head == "linear" ? 0.05 : 0.0) + 0.002 * double(seed);
        store->record_summary(id, {{"accuracy", accuracy}});
        store->finish_run(id, RunStatus::Finished);
      }
    }
  }
  return made;
}

}  // namespace setfit::test
