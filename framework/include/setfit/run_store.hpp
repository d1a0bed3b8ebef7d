#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setfit/export.hpp"
#include "setfit/records.hpp"

namespace setfit {

enum class RunStatus { Scheduled, Running, Finished, Failed, Diverged, Killed };
SETFIT_API std::string_view to_string(RunStatus status);
SETFIT_API RunStatus run_status_from_string(std::string_view text);

// What the store knows about one run.
struct RunRow {
  std::int64_t id = 0;
  std::optional<std::int64_t> sweep_id;  // empty for a single `setfit train --db` run
  std::string run_key;
  RunStatus status = RunStatus::Scheduled;
  std::int64_t attempt = 0;
  std::string error_stage, error;
  std::int64_t pid = 0;
  std::string host;
  double heartbeat_age_s = 0.0;               // seconds since the last heartbeat (0 if none)
  std::string stage1_key;                     // hash of everything stage 1 depends on
  std::optional<std::int64_t> stage1_run_id;  // the run whose stage 1 this run reused
  std::string scheduler_job;  // the cluster job that ran it ("slurm 12_3"), empty if none
};

// The SQLite run store (schema in docs/results-schema.md): sweeps, runs, params, the metric
// series, run summaries, artifacts and the plugins each run used.
//
// Safe under several writer processes: WAL journal, a busy timeout, and every write a
// short BEGIN IMMEDIATE transaction, so writers queue instead of failing with "database
// is locked". Every multi-row write is one transaction: a crash or kill leaves either all
// of it or none. Keep the file on a local disk (SQLite's locking is unreliable on network
// file systems).
class SETFIT_API RunStore {
 public:
  static constexpr int kSchemaVersion = 5;

  // Opens or creates `file`. With `migrate` (the orchestrator, before any worker starts)
  // the schema is created or upgraded; without it (a worker) a database at another
  // version is refused. Throws setfit::Error naming the file.
  static std::unique_ptr<RunStore> open(const std::filesystem::path& file, bool migrate = true);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  int schema_version() const;
  const std::filesystem::path& path() const;

  // The sweep's id, created when new. A sweep whose spec fingerprint changed is refused
  // (setfit::Error) unless `allow_changed`, which records the new spec.
  std::int64_t ensure_sweep(const std::string& name, const std::string& spec_toml,
                            const std::string& fingerprint, bool allow_changed = false);
  // The run with this key in the sweep (or standalone when `sweep_id` is empty), created
  // SCHEDULED when new.
  std::int64_t ensure_run(std::optional<std::int64_t> sweep_id, const std::string& run_key);
  RunRow run(std::int64_t run_id) const;
  std::vector<RunRow> runs(std::optional<std::int64_t> sweep_id) const;
  // The sweep's id by name, if recorded.
  std::optional<std::int64_t> find_sweep(const std::string& name) const;
  // (name, id) of every sweep, in creation order.
  std::vector<std::pair<std::string, std::int64_t>> sweeps() const;

  // RUNNING, attempt + 1, pid and host, start and heartbeat times. What an earlier attempt
  // recorded (metrics, summary, artifacts, plugins) is removed in the same transaction, so
  // a retried run holds exactly one attempt's results.
  void start_run(std::int64_t run_id, std::int64_t pid, const std::string& host);
  // start_run, but only if nobody started the run since this process read its attempt
  // count as `seen_attempt`: one compare-and-set in one transaction, so that of several
  // orchestrators planning the same run exactly one gets it. False (nothing changed) when
  // another process started it first.
  bool claim_run(std::int64_t run_id, std::int64_t seen_attempt, std::int64_t pid,
                 const std::string& host);
  void heartbeat(std::int64_t run_id);
  // Which stage 1 a run used: its key and the run that trained it (the run itself when
  // not shared).
  void set_stage1(std::int64_t run_id, const std::string& key, std::int64_t source_run_id);
  // The process that now works on a started run (a sweep's worker).
  void set_pid(std::int64_t run_id, std::int64_t pid);
  // The cluster scheduler's job that runs it, e.g. "slurm 12_3" (array job 12, task 3).
  void set_scheduler_job(std::int64_t run_id, const std::string& job);
  // The final state; `error_stage` and `error` for FAILED, DIVERGED and KILLED runs.
  void finish_run(std::int64_t run_id, RunStatus status, const std::string& error_stage = {},
                  const std::string& error = {});

  // Replaces what the sweep varies (its grid, zip and random axes and seeds), in order.
  void record_varied(std::int64_t sweep_id, const std::vector<VariedParameter>& varied);
  std::vector<VariedParameter> varied(std::int64_t sweep_id) const;

  // Replaces the run's params (a retried run records them again).
  void record_params(std::int64_t run_id, const std::vector<ArgRecord>& params);
  // Appends metric points in one transaction.
  void record_metrics(std::int64_t run_id, const std::vector<MetricPoint>& points);
  void record_summary(std::int64_t run_id, const std::map<std::string, double>& values);
  std::vector<SummaryValue> summary(std::int64_t run_id) const;
  std::vector<MetricPoint> metrics(std::int64_t run_id) const;
  void record_artifact(std::int64_t run_id, const std::string& kind, const std::string& path,
                       const std::string& sha256);
  void record_plugin(std::int64_t run_id, const std::string& kind, const std::string& name,
                     const std::string& version, const std::string& abi, const std::string& sha256);

  // PRAGMA integrity_check's answer ("ok" when sound).
  std::string integrity_check() const;

 private:
  struct Impl;
  explicit RunStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace setfit
