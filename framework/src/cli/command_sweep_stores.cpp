// `setfit sweep status` and `setfit sweep collect`: the sweep verbs that only read or merge
// run stores and manifest folders. They need no LibTorch, so the thin front end runs them.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"
#include "setfit/run_store.hpp"
#include "setfit/slurm.hpp"
#include "setfit/sweep_manifest.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

// `setfit sweep status`: runs by state, per sweep.
int print_sweep_status(const fs::path& db, const std::string& sweep_name) {
  if (!fs::exists(db)) throw Error(fmt::format("{}: no such run store", db.string()));
  auto store = RunStore::open(db, /*migrate=*/false);
  std::vector<std::pair<std::string, std::int64_t>> sweeps = store->sweeps();
  if (!sweep_name.empty()) {
    const auto id = store->find_sweep(sweep_name);
    if (!id) throw Error(fmt::format("{}: no sweep named '{}'", db.string(), sweep_name));
    sweeps = {{sweep_name, *id}};
  }
  for (const auto& [name, id] : sweeps) {
    std::map<std::string, std::size_t> counts;
    const auto runs = store->runs(id);
    for (const auto& run : runs) ++counts[std::string(to_string(run.status))];
    std::vector<std::string> parts;
    for (const auto& [status, count] : counts) parts.push_back(fmt::format("{} {}", count, status));
    fmt::print("{}: {} runs: {}\n", name, runs.size(), fmt::join(parts, ", "));
  }
  return kExitOk;
}

// `sweep status --watch`: the sweep's progress until no run is scheduled or running:
// finished, running and failed counts, the best configuration so far and an ETA from the
// rate seen while watching; redrawn in place on a terminal, a line per change otherwise.
int watch_sweep(const fs::path& db, std::string sweep_name, double interval_s) {
  if (!fs::exists(db)) throw Error(fmt::format("{}: no such run store", db.string()));
  if (interval_s <= 0) throw UsageError("--interval must be positive");
  if (sweep_name.empty()) {
    const auto sweeps = RunStore::open(db, /*migrate=*/false)->sweeps();
    if (sweeps.size() != 1) {
      throw UsageError(fmt::format("{}: --watch needs --sweep NAME (the store has {} sweeps)",
                                   db.string(), sweeps.size()));
    }
    sweep_name = sweeps.front().first;
  }
  const bool terminal = isatty(STDOUT_FILENO) != 0;
  const auto started = std::chrono::steady_clock::now();
  std::optional<std::size_t> done_at_start;
  std::string last_line;
  for (;;) {
    auto store = RunStore::open(db, /*migrate=*/false);
    const auto id = store->find_sweep(sweep_name);
    if (!id) throw Error(fmt::format("{}: no sweep named '{}'", db.string(), sweep_name));
    std::map<RunStatus, std::size_t> counts;
    const auto runs = store->runs(*id);
    for (const auto& run : runs) ++counts[run.status];
    store.reset();
    const std::size_t open = counts[RunStatus::Scheduled] + counts[RunStatus::Running];
    const std::size_t done = runs.size() - open;
    if (!done_at_start) done_at_start = done;
    std::string best = "none yet";
    if (counts[RunStatus::Finished] > 0) {
      const auto results = load_results(db, {sweep_name});
      BestOptions options;
      options.top = 1;
      const auto table = best_configs(results, options);
      if (!table.rows.empty() && !results.metrics.empty()) {
        std::vector<std::string> settings;
        for (std::size_t c = 1; c + 3 < table.columns.size(); ++c) {
          const auto* text = std::get_if<std::string>(&table.rows[0][c]);
          const auto* number = std::get_if<double>(&table.rows[0][c]);
          if (text) settings.push_back(fmt::format("{}={}", table.columns[c].substr(7), *text));
          if (number) settings.push_back(fmt::format("{}={}", table.columns[c].substr(7), *number));
        }
        const auto mean = std::get_if<double>(&table.rows[0][table.columns.size() - 3]);
        const auto n = std::get_if<double>(&table.rows[0].back());
        if (mean && n) {
          best = fmt::format("{} {:.4f} (n={}) {}", results.metric, *mean, *n,
                             settings.empty() ? std::string("(the fixed config)")
                                              : fmt::format("{}", fmt::join(settings, " ")));
        }
      }
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string eta = "ETA unknown";
    if (open == 0) {
      eta = "done";
    } else if (done > *done_at_start && elapsed > 0) {
      const double rate = static_cast<double>(done - *done_at_start) / elapsed;
      eta = fmt::format("ETA {:.0f} s", static_cast<double>(open) / rate);
    }
    const std::string line = fmt::format(
        "{}: {}/{} done ({} finished, {} failed, {} diverged, {} killed), {} running; best: {}; "
        "{}",
        sweep_name, done, runs.size(), counts[RunStatus::Finished], counts[RunStatus::Failed],
        counts[RunStatus::Diverged], counts[RunStatus::Killed], counts[RunStatus::Running], best,
        eta);
    if (terminal) {
      fmt::print("\r\033[K{}", line);
      std::fflush(stdout);
    } else if (line != last_line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    }
    last_line = line;
    if (open == 0) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(interval_s));
  }
  if (terminal) fmt::print("\n");
  return kExitOk;
}

int status(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit sweep status runs.db'");
  options.add_options()("help,h", "Show this help")                              //
      ("sweep", po::value<std::string>()->default_value(""), "Only this sweep")  //
      ("watch", "Follow a running sweep until no run is scheduled or running")   //
      ("interval", po::value<double>()->default_value(2.0), "Seconds between refreshes (--watch)");
  const auto vm = parse_verb_arguments("sweep status", args, options, {"db"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep status runs.db [--sweep NAME] [--watch [--interval S]]\n\n"
              << options;
    return kExitOk;
  }
  if (!vm.count("db")) throw UsageError("setfit sweep status needs the run store file");
  if (vm.count("watch")) {
    return watch_sweep(vm["db"].as<std::string>(), vm["sweep"].as<std::string>(),
                       vm["interval"].as<double>());
  }
  return print_sweep_status(vm["db"].as<std::string>(), vm["sweep"].as<std::string>());
}

// `sweep status DIR` for a manifest folder: Slurm's state of each task beside its store's.
int run_sweep_task_status(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit sweep status DIR'");
  options.add_options()("help,h", "Show this help");
  const auto vm = parse_verb_arguments("sweep status", args, options, {"dir"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep status DIR\n\n"
                 "Each task of a planned sweep: Slurm's state of its latest array task (from\n"
                 "squeue) beside the runs of the store it published.\n\n"
              << options;
    return kExitOk;
  }
  const fs::path dir = vm["dir"].as<std::string>();
  const ManifestHeader header = read_manifest(dir);
  const auto stores = manifest_task_states(dir);
  std::map<std::size_t, SlurmTaskState> queue;
  const bool submitted = !read_slurm_submissions(dir).empty();
  if (submitted) queue = slurm_task_states(dir);
  fmt::print("sweep '{}': {} tasks in {}\n", header.sweep_name, stores.size(), dir.string());
  fmt::print("{:>5}  {:<12}  {:<22}  {:<28}  {}\n", "task", "job", "slurm", "runs", "note");
  std::size_t done = 0;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    const auto& store = stores[i];
    const auto it = queue.find(i);
    const SlurmTaskState slurm = it == queue.end() ? SlurmTaskState{} : it->second;
    std::string runs = "-", note;
    if (!store.unreadable.empty()) {
      note = "published store unreadable: " + store.unreadable;
    } else if (store.published) {
      std::vector<std::string> parts;
      for (const auto& [status, count] : store.counts)
        parts.push_back(fmt::format("{} {}", count, to_string(status)));
      runs = fmt::format("{}", fmt::join(parts, ", "));
    } else if (slurm.state == "COMPLETED") {
      // Slurm says it ended well, yet nothing was published: it never ran setfit, or died
      // before publishing (a node without the folder, a broken job environment).
      note = fmt::format("COMPLETED without a published store: see {}/{}.out",
                         (dir / "logs").string(), slurm.job);
    } else if (slurm_state_is_final(slurm.state)) {
      note = fmt::format("no store published: see {}/{}.out", (dir / "logs").string(), slurm.job);
    }
    if (store.done()) ++done;
    std::string state =
        slurm.state.empty() ? (submitted ? "(unknown)" : "(not submitted)") : slurm.state;
    if (!slurm.reason.empty()) state += " " + slurm.reason;
    // Once Slurm has forgotten the job (MinJobAge), the published store still names it.
    std::string job = !slurm.job.empty() ? slurm.job : store.scheduler_job;
    if (job.rfind("slurm ", 0) == 0) job.erase(0, 6);
    fmt::print("{:>5}  {:<12}  {:<22}  {:<28}  {}\n", i, job.empty() ? "-" : job, state, runs,
               note);
  }
  fmt::print("{} of {} tasks done (every run FINISHED)\n", done, stores.size());
  return done == stores.size() ? kExitOk : kExitFailure;
}

}  // namespace

int run_sweep_status(const std::vector<std::string>& args) {
  // A manifest folder (a planned or submitted sweep) rather than a store.
  if (!args.empty() && fs::is_directory(args[0])) return run_sweep_task_status(args);
  return status(args);
}

int run_sweep_collect(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit sweep collect DIR --db runs.db'");
  options.add_options()("help,h", "Show this help")  //
      ("db", po::value<std::string>(), "The store to merge into (created when absent)");
  const auto vm = parse_verb_arguments("sweep collect", args, options, {"dir"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit sweep collect DIR --db runs.db\n\n"
                 "Merges the stores the tasks of a planned sweep published (DIR/shards/) into\n"
                 "the store, as 'setfit results merge' does, and lists the tasks left to run.\n"
                 "Collecting again changes nothing.\n\n"
              << options;
    return kExitOk;
  }
  if (!vm.count("dir")) throw UsageError("setfit sweep collect needs the manifest folder DIR");
  if (!vm.count("db")) throw UsageError("setfit sweep collect needs --db runs.db");
  const fs::path dir = vm["dir"].as<std::string>();
  const auto report = collect_manifest(dir, vm["db"].as<std::string>());
  const auto& m = report.merge;
  fmt::print("{}: {} runs added, {} replaced, {} unchanged; integrity {}\n",
             vm["db"].as<std::string>(), m.runs_added, m.runs_replaced, m.runs_unchanged,
             m.integrity.empty() ? "not checked (nothing merged)" : m.integrity);
  for (const auto& conflict : m.conflicts) fmt::print("conflict: {}\n", conflict);
  if (!report.missing.empty())
    fmt::print("tasks without a published store: {}\n", fmt::join(report.missing, ", "));
  if (!report.incomplete.empty())
    fmt::print("tasks with runs not FINISHED: {}\n", fmt::join(report.incomplete, ", "));
  for (const auto& [task, why] : report.unreadable)
    fmt::print("task {}: its published store is not readable, left out: {}\n", task, why);
  const bool done = report.missing.empty() && report.incomplete.empty() &&
                    report.unreadable.empty() && m.conflicts.empty();
  if (!done) {
    fmt::print(
        "run those tasks again (setfit sweep worker --manifest {} --index N), then "
        "collect again\n",
        dir.string());
  }
  return done ? kExitOk : kExitFailure;
}

}  // namespace setfit::cli
