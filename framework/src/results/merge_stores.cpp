// `setfit results merge`: stores made on several machines folded into one. Sweeps match by
// name (a different spec fingerprint under one name is a conflict), runs by run key within
// their sweep. A better-ended attempt wins (FINISHED over DIVERGED over FAILED or KILLED
// over unfinished); two FINISHED attempts with different summaries are a conflict that
// `prefer` decides. Each shard is merged in one transaction on OUT (SQLite cannot attach
// inside one), attached read-only; a merge stopped between shards is simply run again.

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>

#include "results_store.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

int rank(const std::string& status) {
  if (status == "FINISHED") return 3;
  if (status == "DIVERGED") return 2;
  if (status == "FAILED" || status == "KILLED") return 1;
  return 0;  // SCHEDULED, RUNNING
}

// A run's summary as text, to tell whether two FINISHED attempts agree.
std::string summary_of(SQLite::Database& db, const std::string& schema, std::int64_t run) {
  SQLite::Statement s(db, fmt::format("SELECT group_concat(key || '=' || coalesce(quote(value), "
                                      "'nan'), ',') FROM (SELECT key, value FROM {}.run_summary "
                                      "WHERE run_id = ? ORDER BY key)",
                                      schema));
  s.bind(1, run);
  s.executeStep();
  return s.getColumn(0).isNull() ? "" : s.getColumn(0).getString();
}

// Copies run `from` of the shard into OUT: a new row, or over `into` (its children replaced).
std::int64_t copy_run(SQLite::Database& db, std::int64_t from, std::optional<std::int64_t> sweep,
                      std::optional<std::int64_t> into, int shard_version) {
  // Stores before version 5 did not record a scheduler job.
  const std::string columns = fmt::format(
      "run_key, status, attempt, heartbeat_at, started_at, finished_at, host, pid, error_stage, "
      "error, stage1_key{}",
      shard_version >= 5 ? ", scheduler_job" : "");
  std::int64_t id = 0;
  if (into) {
    id = *into;
    for (const char* table : {"params", "metrics", "run_summary", "artifacts", "plugins"}) {
      SQLite::Statement clear(db, fmt::format("DELETE FROM main.{} WHERE run_id = ?", table));
      clear.bind(1, id);
      clear.exec();
    }
    SQLite::Statement update(
        db, fmt::format("UPDATE main.runs SET ({0}, stage1_run_id) = (SELECT {0}, NULL FROM "
                        "shard.runs WHERE id = ?) WHERE id = ?",
                        columns));
    update.bind(1, from);
    update.bind(2, id);
    update.exec();
  } else {
    SQLite::Statement insert(db, fmt::format("INSERT INTO main.runs (sweep_id, {0}) SELECT ?, {0} "
                                             "FROM shard.runs WHERE id = ?",
                                             columns));
    if (sweep)
      insert.bind(1, *sweep);
    else
      insert.bind(1);
    insert.bind(2, from);
    insert.exec();
    id = db.getLastInsertRowid();
  }
  for (const auto& [table, cols] :
       {std::pair{"params", "key, stage, value_text, value_num, is_default"},
        {"metrics", "key, stage, step, value, is_nan, at"},
        {"run_summary", "key, value, is_nan"},
        {"artifacts", "kind, path, sha256"},
        {"plugins", "kind, name, version, abi, sha256"}}) {
    SQLite::Statement copy(db, fmt::format("INSERT INTO main.{0} (run_id, {1}) SELECT ?, {1} FROM "
                                           "shard.{0} WHERE run_id = ? ORDER BY rowid",
                                           table, cols));
    copy.bind(1, id);
    copy.bind(2, from);
    copy.exec();
  }
  return id;
}

}  // namespace

MergeReport merge_stores(const fs::path& out, const std::vector<fs::path>& shards,
                         MergePreference prefer, const CurrentSweepSpec* current) {
  for (const auto& shard : shards) {
    detail::open_store_read_only(shard);  // a store, not newer than this setfit
    if (fs::exists(out) && fs::equivalent(out, shard))
      throw UsageError(fmt::format("{} is both the output and a shard", shard.string()));
  }
  RunStore::open(out);  // created or migrated to the current schema
  SQLite::Database db(out.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_URI);
  db.setBusyTimeout(60'000);
  db.exec("PRAGMA foreign_keys = ON");
  MergeReport report;
  report.committed = true;
  // The sweep's current spec is the one `out` holds from now on.
  const auto record_current_spec = [&] {
    if (current == nullptr) return;
    SQLite::Statement update(db,
                             "UPDATE main.sweeps SET spec_toml = ?, spec_fingerprint = ? WHERE "
                             "name = ?");
    update.bind(1, current->spec_toml);
    update.bind(2, current->fingerprint);
    update.bind(3, current->name);
    update.exec();
  };
  record_current_spec();
  for (const auto& shard : shards) {
    SQLite::Statement attach(db, "ATTACH DATABASE ? AS shard");
    attach.bind(1, fmt::format("file:{}?mode=ro", fs::absolute(shard).string()));
    attach.exec();
    const std::size_t conflicts_before = report.conflicts.size();
    auto transaction =
        std::make_unique<SQLite::Transaction>(db, SQLite::TransactionBehavior::IMMEDIATE);
    const int version = db.execAndGet("PRAGMA shard.user_version").getInt();
    if (version < 2) {
      transaction.reset();
      db.exec("DETACH DATABASE shard");
      throw Error(
          fmt::format("{}: schema version {} is too old to merge; open it once with "
                      "`setfit sweep run` of this version to migrate it",
                      shard.string(), version));
    }
    const bool has_varied =
        db.execAndGet("SELECT count(*) FROM shard.sqlite_master WHERE name = 'sweep_varied'")
            .getInt() > 0;
    // Sweeps, matched by name.
    std::map<std::int64_t, std::optional<std::int64_t>> sweep_of;  // shard id -> OUT id
    {
      SQLite::Statement sweeps(db, "SELECT id, name, spec_fingerprint FROM shard.sweeps");
      while (sweeps.executeStep()) {
        const std::int64_t shard_id = sweeps.getColumn(0).getInt64();
        const std::string name = sweeps.getColumn(1).getString();
        SQLite::Statement find(db, "SELECT id, spec_fingerprint FROM main.sweeps WHERE name = ?");
        find.bind(1, name);
        if (find.executeStep()) {
          const bool earlier_spec = current != nullptr && name == current->name;
          if (find.getColumn(1).getString() != sweeps.getColumn(2).getString() && !earlier_spec) {
            report.conflicts.push_back(fmt::format(
                "{}: sweep '{}' has another spec than the one merged so far; its runs were not "
                "merged",
                shard.string(), name));
            sweep_of[shard_id] = std::nullopt;
            continue;
          }
          sweep_of[shard_id] = find.getColumn(0).getInt64();
          continue;
        }
        SQLite::Statement insert(db,
                                 "INSERT INTO main.sweeps (name, spec_toml, spec_fingerprint, "
                                 "created_at, status) SELECT name, spec_toml, "
                                 "spec_fingerprint, created_at, status FROM shard.sweeps "
                                 "WHERE id = ?");
        insert.bind(1, shard_id);
        insert.exec();
        const std::int64_t id = db.getLastInsertRowid();
        sweep_of[shard_id] = id;
        ++report.sweeps_added;
        if (current != nullptr && name == current->name) record_current_spec();
        if (has_varied) {
          SQLite::Statement varied(db,
                                   "INSERT INTO main.sweep_varied (sweep_id, key, kind, "
                                   "position) SELECT ?, key, kind, position FROM "
                                   "shard.sweep_varied WHERE sweep_id = ?");
          varied.bind(1, id);
          varied.bind(2, shard_id);
          varied.exec();
        }
      }
    }
    // Runs, matched by key within their sweep; standalone runs by key and start time.
    SQLite::Statement runs(db,
                           "SELECT id, sweep_id, run_key, status, started_at FROM shard.runs "
                           "ORDER BY id");
    while (runs.executeStep()) {
      const std::int64_t shard_run = runs.getColumn(0).getInt64();
      std::optional<std::int64_t> sweep;
      if (!runs.getColumn(1).isNull()) {
        sweep = sweep_of.at(runs.getColumn(1).getInt64());
        if (!sweep) continue;  // a conflicting sweep, reported above
      }
      const std::string key = runs.getColumn(2).getString();
      const std::string status = runs.getColumn(3).getString();
      SQLite::Statement find(
          db, sweep ? "SELECT id, status FROM main.runs WHERE sweep_id = ? AND run_key = ?"
                    : "SELECT id, status FROM main.runs WHERE sweep_id IS NULL AND run_key = ? "
                      "AND started_at IS ?");
      if (sweep) {
        find.bind(1, *sweep);
        find.bind(2, key);
      } else {
        find.bind(1, key);
        if (runs.getColumn(4).isNull())
          find.bind(2);
        else
          find.bind(2, runs.getColumn(4).getString());
      }
      if (!find.executeStep()) {
        copy_run(db, shard_run, sweep, std::nullopt, version);
        ++report.runs_added;
        continue;
      }
      const std::int64_t existing = find.getColumn(0).getInt64();
      const std::string existing_status = find.getColumn(1).getString();
      if (rank(status) > rank(existing_status)) {
        copy_run(db, shard_run, sweep, existing, version);
        ++report.runs_replaced;
      } else if (status == "FINISHED" && existing_status == "FINISHED" &&
                 summary_of(db, "main", existing) != summary_of(db, "shard", shard_run)) {
        report.conflicts.push_back(
            fmt::format("{}: run key {} finished with other results than run {} ({} was kept)",
                        shard.string(), key.substr(0, 12), existing,
                        prefer == MergePreference::Last ? "the shard's" : "the earlier one"));
        if (prefer == MergePreference::Last) {
          copy_run(db, shard_run, sweep, existing, version);
          ++report.runs_replaced;
        }
      } else {
        ++report.runs_unchanged;
      }
    }
    // Two different results and no preference: this shard is left out; the caller decides.
    const bool unresolved =
        prefer == MergePreference::None &&
        std::any_of(
            report.conflicts.begin() + static_cast<long>(conflicts_before), report.conflicts.end(),
            [](const std::string& c) { return c.find("other results") != std::string::npos; });
    if (unresolved)
      report.committed = false;
    else
      transaction->commit();
    transaction.reset();  // rolls back what was not committed
    db.exec("DETACH DATABASE shard");
  }
  report.integrity = db.execAndGet("PRAGMA integrity_check").getString();
  return report;
}

}  // namespace setfit
