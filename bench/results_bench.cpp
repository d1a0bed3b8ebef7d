// Results queries on a large store: makes one (10,000 runs x 20 parameters, 1,000,000
// metric rows by default) through RunStore, then times load_results + list (limit 20),
// compare and --where on it, the HTML report of the sweep, and merging 10 shards of 1,000
// runs. Not a test: figures go to bench/README.md.
//   bench_results [OUT.db] [RUNS] [METRIC_ROWS_PER_RUN]

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "setfit/report.hpp"
#include "setfit/results.hpp"
#include "setfit/run_store.hpp"

namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs [first, first + count) of one sweep: 20 params (4 varied), `points` metric rows each.
void make_store(const fs::path& db, int first, int count, int points) {
  auto store = setfit::RunStore::open(db);
  const auto sweep = store->ensure_sweep("big", "[sweep]\nname = \"big\"\n", "fp");
  store->record_varied(sweep, {{"args.batch_size", "grid"},
                               {"args.body_learning_rate[embedding]", "grid"},
                               {"model.head", "grid"},
                               {"args.seed", "seeds"}});
  std::mt19937_64 rng(static_cast<std::uint64_t>(first));
  std::uniform_real_distribution<double> noise(-0.05, 0.05);
  for (int i = first; i < first + count; ++i) {
    const auto id = store->ensure_run(sweep, fmt::format("key-{}", i));
    store->start_run(id, 1, "host");
    const int batch = 8 << (i % 4), head = (i / 4) % 5, lr = (i / 20) % 10, seed = i / 200;
    std::vector<setfit::ArgRecord> params = {
        {"batch_size", "embedding", std::to_string(batch), double(batch), false},
        {"batch_size", "classifier", "2", 2.0, true},
        {"body_learning_rate", "embedding", fmt::format("{}", 1e-3 * (lr + 1)), 1e-3 * (lr + 1),
         false},
        {"seed", "global", std::to_string(seed), double(seed), false},
        {"model.head", "global", fmt::format("\"head{}\"", head), std::nullopt, false}};
    for (int p = static_cast<int>(params.size()); p < 20; ++p)
      params.push_back({fmt::format("fixed_{}", p), "global", "1", 1.0, true});
    store->record_params(id, params);
    std::vector<setfit::MetricPoint> series;
    for (int s = 0; s < points; ++s) series.push_back({"embedding", s, "loss", 1.0 / (s + 1)});
    store->record_metrics(id, series);
    const double accuracy = 0.7 + 0.02 * head + 0.01 * lr + noise(rng);
    store->record_summary(id, {{"accuracy", accuracy}, {"f1", accuracy - 0.1}});
    store->finish_run(id, setfit::RunStatus::Finished);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path db = argc > 1 ? fs::path(argv[1]) : fs::path("bench_results.db");
  const int runs = argc > 2 ? std::stoi(argv[2]) : 10'000;
  const int points = argc > 3 ? std::stoi(argv[3]) : 100;
  if (!fs::exists(db)) {
    const auto start = std::chrono::steady_clock::now();
    make_store(db, 0, runs, points);
    fmt::print("made {}: {} runs, {} metric rows in {:.1f} s ({:.0f} MB)\n", db.string(), runs,
               runs * points, seconds_since(start), static_cast<double>(fs::file_size(db)) / 1e6);
  }
  for (int repeat = 0; repeat < 3; ++repeat) {
    auto start = std::chrono::steady_clock::now();
    const auto results = setfit::load_results(db, {"big"});
    const double load = seconds_since(start);
    start = std::chrono::steady_clock::now();
    const auto listed = setfit::list_runs(results, "accuracy", 20);
    const double list = seconds_since(start);
    start = std::chrono::steady_clock::now();
    const auto compared = setfit::compare_configs(results, {});
    const double compare = seconds_since(start);
    start = std::chrono::steady_clock::now();
    setfit::ResultQuery list_query("big");
    list_query.varied_only = true;  // as `setfit results list` loads
    const auto listed_alone =
        setfit::list_runs(setfit::load_results(db, list_query), "accuracy", 20);
    const double list_alone = seconds_since(start);
    start = std::chrono::steady_clock::now();
    const auto filtered = setfit::load_results(db, {"big", "head = 'head3' and accuracy > 0.8"});
    const double where = seconds_since(start);
    fmt::print(
        "load {:.3f} s ({} runs, {} varied), list --limit 20 +{:.3f} s, compare +{:.3f} s ({} "
        "configs), load --where {:.3f} s ({} runs); results list --limit 20 (varied only) {:.3f} s "
        "({} rows, {} columns)\n",
        load, results.runs.size(), results.varied.size(), list, compare, compared.rows.size(),
        where, filtered.runs.size(), list_alone, listed_alone.rows.size(),
        listed_alone.columns.size());
  }
  // The HTML report of the whole sweep, written to OUT.db.html.
  for (int repeat = 0; repeat < 2; ++repeat) {
    const fs::path html = fs::path(db.string() + ".html");
    const auto start = std::chrono::steady_clock::now();
    setfit::ReportOptions options;
    options.sweep = "big";
    const auto report = setfit::write_report(db, html, options);
    fmt::print("report {:.2f} s, {:.1f} MB ({} runs, {} configs, {} param charts, curves of {})\n",
               seconds_since(start), static_cast<double>(report.bytes) / 1e6, report.runs,
               report.configs, report.parameters, report.curve_runs);
  }
  // Merging: 10 shards of 1,000 runs (made once beside OUT.db) into a fresh store.
  const fs::path shards_dir = fs::path(db.string() + ".shards");
  std::vector<fs::path> shards;
  for (int k = 0; k < 10; ++k) {
    shards.push_back(shards_dir / fmt::format("shard-{}.db", k));
    if (!fs::exists(shards.back())) {
      fs::create_directories(shards_dir);
      make_store(shards.back(), k * 1000, 1000, points);
    }
  }
  for (int repeat = 0; repeat < 2; ++repeat) {
    const fs::path merged = shards_dir / "merged.db";
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(merged.string() + suffix);
    const auto start = std::chrono::steady_clock::now();
    const auto report = setfit::merge_stores(merged, shards);
    fmt::print("merge 10 shards x 1,000 runs: {:.2f} s ({} runs added, integrity {})\n",
               seconds_since(start), report.runs_added, report.integrity);
  }
  return 0;
}
