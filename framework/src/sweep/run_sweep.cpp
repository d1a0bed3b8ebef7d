// The sweep pipeline: expand, prepare, record in the store, plan, execute, report.

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/run_recorder.hpp"
#include "setfit/sweep.hpp"
#include "sweep_files.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

// Whether `pid` is a live process that holds run `run_id` on this machine: its sweep worker,
// or an orchestrator (`sweep run`) that claimed it and is starting the worker (the forked
// child runs the orchestrator's command line until it execs). Not gone, not a zombie (a dead
// process whose reaper has not collected it), and not a reused pid.
bool holder_alive(std::int64_t pid, std::int64_t run_id) {
  if (pid <= 0) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(stat, text)) return false;
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size() || text[close + 2] == 'Z')
    return false;
  std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid));
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  // While a process execs, its command line reads empty for a moment (measured: 4% of reads
  // in a worker's first 50 ms). Such a process is taken to hold the run; if it does not, its
  // missing heartbeat lets another process take the run over after --stale-after.
  if (args.empty()) return true;
  std::replace(args.begin(), args.end(), '\0', ' ');  // every argument now ends with a space
  if (args.find(" sweep run ") != std::string::npos) return true;
  // A warm worker is handed its units on stdin: the run is its own since the orchestrator
  // named it (were the pid reused by another warm worker, the missing heartbeat tells).
  if (args.find(" sweep worker ") != std::string::npos &&
      args.find(" --serve ") != std::string::npos)
    return true;
  const auto list = args.find(" --run-ids ");
  if (args.find(" sweep worker ") == std::string::npos || list == std::string::npos) return false;
  const auto start = list + 11;
  std::string ids = ",";  // ",3,4,5,", appended in steps (GCC 12 misreads the + chain)
  ids += args.substr(start, args.find(' ', start) - start);
  ids += ',';
  return ids.find(fmt::format(",{},", run_id)) != std::string::npos;
}

}  // namespace

SweepReport run_sweep(const fs::path& file, const SweepRunOptions& options,
                      const PluginRegistry& registry, const NamedInputs& inputs, Executor& executor,
                      const std::atomic<bool>& stop,
                      const std::function<void(const ExecutionProgress&)>& progress) {
  const auto loaded = detail::load_sweep(file, registry, inputs, options.max_runs, &stop);
  if (stop) return {};  // interrupted while preparing: nothing recorded
  const ExpandedSweep& sweep = loaded.sweep;
  const std::vector<PreparedRun>& prepared = loaded.prepared;

  auto store = RunStore::open(options.db);  // migrations happen here, before any worker
  const auto sweep_id = store->ensure_sweep(sweep.header.name, loaded.spec_text, loaded.fingerprint,
                                            options.allow_changed);
  store->record_varied(sweep_id, sweep.varied);
  std::vector<std::int64_t> ids;
  std::vector<StoredRunState> states;
  const std::string here = host_name();
  for (const auto& p : prepared) {
    ids.push_back(store->ensure_run(sweep_id, p.key));
    const auto row = store->run(ids.back());
    states.push_back({row.id, row.status, row.attempt, row.host, row.pid, row.heartbeat_age_s,
                      row.host == here && holder_alive(row.pid, row.id), row.host == here});
  }
  const SweepPlan plan = plan_sweep(prepared, states, options.policy);
  for (const auto& note : plan.notes) log::warn("{}", note);
  log::info("sweep '{}': {} runs, {} to do ({} already done or not retried) in {} stage-1 groups",
            sweep.header.name, prepared.size(), plan.to_do, plan.skipped, plan.units.size());

  // A unit's runs are claimed just before its worker starts: each only if its attempt count
  // is still the one planned from, so that of several orchestrators sharing this store
  // exactly one starts it. The claim names this process until the worker's pid replaces it.
  const auto claim_unit = [&](const WorkUnit& unit) {
    WorkUnit claimed;
    for (auto index : unit.runs) {
      if (!store->claim_run(ids[index], states[index].attempt, getpid(), here)) {
        const auto row = store->run(ids[index]);
        log::info("run {} ({}) was started by another process (pid {} on {}); left to it",
                  index + 1, prepared[index].label, row.pid, row.host);
        continue;
      }
      claimed.runs.push_back(index);
    }
    for (auto index : claimed.runs) {
      store->set_stage1(ids[index], prepared[index].stage1_key, ids[claimed.runs.front()]);
      describe_run(*store, ids[index], prepared[index].records, prepared[index].plugins, registry);
    }
    return claimed;
  };
  executor.execute(prepared, ids, plan.units, *store, claim_unit, stop, progress);
  return sweep_report(sweep, prepared, ids, *store);
}

}  // namespace setfit
