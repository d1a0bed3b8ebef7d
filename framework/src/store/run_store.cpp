#include "setfit/run_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <SQLiteCpp/VariadicBind.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cmath>

#include "schema.hpp"
#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

constexpr int kBusyTimeoutMs = 60'000;
constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

// Binds a double faithfully: NaN becomes NULL plus the is_nan flag.
void bind_value(SQLite::Statement& statement, int value_index, int nan_index, double value) {
  if (std::isnan(value))
    statement.bind(value_index);  // NULL
  else
    statement.bind(value_index, value);
  statement.bind(nan_index, std::isnan(value) ? 1 : 0);
}

double read_value(const SQLite::Column& value, const SQLite::Column& is_nan) {
  return is_nan.getInt() != 0 ? std::nan("") : value.getDouble();
}

}  // namespace

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::Scheduled:
      return "SCHEDULED";
    case RunStatus::Running:
      return "RUNNING";
    case RunStatus::Finished:
      return "FINISHED";
    case RunStatus::Failed:
      return "FAILED";
    case RunStatus::Diverged:
      return "DIVERGED";
    case RunStatus::Killed:
      return "KILLED";
  }
  return "?";
}

RunStatus run_status_from_string(std::string_view text) {
  for (auto s : {RunStatus::Scheduled, RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                 RunStatus::Diverged, RunStatus::Killed}) {
    if (to_string(s) == text) return s;
  }
  throw Error(fmt::format("unknown run status '{}'", text));
}

struct RunStore::Impl {
  fs::path file;
  SQLite::Database db;

  Impl(fs::path path)
      : file(std::move(path)),
        db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kBusyTimeoutMs) {}

  // Wraps SQLite's exceptions so that every error names the store.
  template <typename Body>
  auto guarded(const char* what, Body&& body) const -> decltype(body()) {
    try {
      return body();
    } catch (const SQLite::Exception& e) {
      // A full disk shows as SQLITE_FULL, or as an I/O error when a write is cut short.
      const int code = e.getErrorCode();
      const bool disk = code == SQLITE_FULL || code == SQLITE_IOERR;
      throw Error(fmt::format("{}: {} failed: {}{}", file.string(), what, e.what(),
                              disk ? "; is the disk full, or the file not writable? Every "
                                     "record written so far is whole: run the same command "
                                     "again once there is space, and it resumes"
                                   : ""));
    }
  }

  // Runs `body` in a short BEGIN IMMEDIATE transaction: writers queue on the busy timeout.
  template <typename Body>
  void write(const char* what, Body&& body) {
    guarded(what, [&] {
      SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
      body();
      transaction.commit();
    });
  }
};

RunStore::RunStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RunStore::~RunStore() = default;

std::unique_ptr<RunStore> RunStore::open(const fs::path& file, bool migrate) {
  std::unique_ptr<Impl> impl;
  try {
    if (!file.parent_path().empty() && !fs::exists(file.parent_path()))
      throw Error(fmt::format("{}: the folder does not exist", file.string()));
    impl = std::make_unique<Impl>(file);
    impl->db.exec("PRAGMA journal_mode = WAL");
    impl->db.exec("PRAGMA synchronous = NORMAL");  // WAL: consistent after any crash
    impl->db.exec("PRAGMA foreign_keys = ON");
    if (migrate) {
      detail::migrate(impl->db, file.string());
    } else if (const int version = detail::schema_version(impl->db);
               version != detail::kStoreSchemaVersion) {
      throw Error(fmt::format("{}: the run store is at schema version {}, this setfit needs {}",
                              file.string(), version, detail::kStoreSchemaVersion));
    }
  } catch (const SQLite::Exception& e) {
    throw Error(fmt::format("{}: cannot open the run store: {}", file.string(), e.what()));
  }
  return std::unique_ptr<RunStore>(new RunStore(std::move(impl)));
}

int RunStore::schema_version() const {
  return impl_->guarded("reading the schema version",
                        [&] { return detail::schema_version(impl_->db); });
}

const fs::path& RunStore::path() const {
  return impl_->file;
}

std::int64_t RunStore::ensure_sweep(const std::string& name, const std::string& spec_toml,
                                    const std::string& fingerprint, bool allow_changed) {
  std::int64_t id = 0;
  impl_->write("recording the sweep", [&] {
    SQLite::Statement find(impl_->db, "SELECT id, spec_fingerprint FROM sweeps WHERE name = ?");
    find.bind(1, name);
    if (find.executeStep()) {
      id = find.getColumn(0).getInt64();
      const std::string stored = find.getColumn(1).getString();
      if (stored != fingerprint) {
        if (!allow_changed) {
          throw Error(fmt::format(
              "{}: sweep '{}' was recorded with another spec (fingerprint {} here, {} now); "
              "rerun with --allow-changed to continue it with the new spec, or give it a new name",
              impl_->file.string(), name, stored.substr(0, 12), fingerprint.substr(0, 12)));
        }
        SQLite::Statement update(
            impl_->db, "UPDATE sweeps SET spec_toml = ?, spec_fingerprint = ? WHERE id = ?");
        SQLite::bind(update, spec_toml, fingerprint, id);
        update.exec();
      }
      return;
    }
    SQLite::Statement insert(
        impl_->db, "INSERT INTO sweeps (name, spec_toml, spec_fingerprint) VALUES (?, ?, ?)");
    SQLite::bind(insert, name, spec_toml, fingerprint);
    insert.exec();
    id = impl_->db.getLastInsertRowid();
  });
  return id;
}

std::int64_t RunStore::ensure_run(std::optional<std::int64_t> sweep_id,
                                  const std::string& run_key) {
  std::int64_t id = 0;
  impl_->write("recording the run", [&] {
    if (sweep_id) {
      SQLite::Statement find(impl_->db, "SELECT id FROM runs WHERE sweep_id = ? AND run_key = ?");
      SQLite::bind(find, *sweep_id, run_key);
      if (find.executeStep()) {
        id = find.getColumn(0).getInt64();
        return;
      }
    }
    SQLite::Statement insert(impl_->db, "INSERT INTO runs (sweep_id, run_key) VALUES (?, ?)");
    if (sweep_id)
      insert.bind(1, *sweep_id);
    else
      insert.bind(1);
    insert.bind(2, run_key);
    insert.exec();
    id = impl_->db.getLastInsertRowid();
  });
  return id;
}

namespace {

RunRow row_of(SQLite::Statement& s) {
  RunRow row;
  row.id = s.getColumn(0).getInt64();
  if (!s.getColumn(1).isNull()) row.sweep_id = s.getColumn(1).getInt64();
  row.run_key = s.getColumn(2).getString();
  row.status = run_status_from_string(s.getColumn(3).getString());
  row.attempt = s.getColumn(4).getInt64();
  row.error_stage = s.getColumn(5).getString();
  row.error = s.getColumn(6).getString();
  row.pid = s.getColumn(7).getInt64();
  row.host = s.getColumn(8).getString();
  row.heartbeat_age_s = s.getColumn(9).getDouble();
  row.stage1_key = s.getColumn(10).getString();
  if (!s.getColumn(11).isNull()) row.stage1_run_id = s.getColumn(11).getInt64();
  row.scheduler_job = s.getColumn(12).getString();
  return row;
}

constexpr const char* kRunColumns =
    "SELECT id, sweep_id, run_key, status, attempt, error_stage, error, pid, host, "
    "coalesce((julianday('now') - julianday(heartbeat_at)) * 86400.0, 0), stage1_key, "
    "stage1_run_id, scheduler_job FROM runs";

}  // namespace

RunRow RunStore::run(std::int64_t run_id) const {
  return impl_->guarded("reading a run", [&] {
    SQLite::Statement s(impl_->db, fmt::format("{} WHERE id = ?", kRunColumns));
    s.bind(1, run_id);
    if (!s.executeStep()) throw Error(fmt::format("{}: no run {}", impl_->file.string(), run_id));
    return row_of(s);
  });
}

std::vector<RunRow> RunStore::runs(std::optional<std::int64_t> sweep_id) const {
  return impl_->guarded("reading runs", [&] {
    SQLite::Statement s(impl_->db,
                        sweep_id ? fmt::format("{} WHERE sweep_id = ? ORDER BY id", kRunColumns)
                                 : fmt::format("{} ORDER BY id", kRunColumns));
    if (sweep_id) s.bind(1, *sweep_id);
    std::vector<RunRow> out;
    while (s.executeStep()) out.push_back(row_of(s));
    return out;
  });
}

std::optional<std::int64_t> RunStore::find_sweep(const std::string& name) const {
  return impl_->guarded("reading sweeps", [&]() -> std::optional<std::int64_t> {
    SQLite::Statement s(impl_->db, "SELECT id FROM sweeps WHERE name = ?");
    s.bind(1, name);
    if (!s.executeStep()) return std::nullopt;
    return s.getColumn(0).getInt64();
  });
}

std::vector<std::pair<std::string, std::int64_t>> RunStore::sweeps() const {
  return impl_->guarded("reading sweeps", [&] {
    SQLite::Statement s(impl_->db, "SELECT name, id FROM sweeps ORDER BY id");
    std::vector<std::pair<std::string, std::int64_t>> out;
    while (s.executeStep()) out.emplace_back(s.getColumn(0).getString(), s.getColumn(1).getInt64());
    return out;
  });
}

namespace {

// Begins a new attempt of the run, if `seen_attempt` is still its attempt count (or
// unconditionally without one), clearing what an earlier attempt recorded. Whether it did.
bool begin_attempt(SQLite::Database& db, std::int64_t run_id,
                   std::optional<std::int64_t> seen_attempt, std::int64_t pid,
                   const std::string& host) {
  SQLite::Statement s(db, fmt::format("UPDATE runs SET status = 'RUNNING', attempt = attempt + 1, "
                                      "pid = ?, host = ?, started_at = {0}, heartbeat_at = {0}, "
                                      "finished_at = NULL, error_stage = NULL, error = NULL "
                                      "WHERE id = ? AND (? IS NULL OR attempt = ?)",
                                      kNow));
  SQLite::bind(s, pid, host, run_id);
  if (seen_attempt) {
    s.bind(4, *seen_attempt);
    s.bind(5, *seen_attempt);
  } else {
    s.bind(4);
    s.bind(5);
  }
  if (s.exec() == 0) return false;
  for (const char* table : {"metrics", "run_summary", "artifacts", "plugins"}) {
    SQLite::Statement clear(db, fmt::format("DELETE FROM {} WHERE run_id = ?", table));
    clear.bind(1, run_id);
    clear.exec();
  }
  return true;
}

}  // namespace

void RunStore::start_run(std::int64_t run_id, std::int64_t pid, const std::string& host) {
  impl_->write("starting the run", [&] {
    if (!begin_attempt(impl_->db, run_id, std::nullopt, pid, host))
      throw Error(fmt::format("{}: no run {}", impl_->file.string(), run_id));
  });
}

bool RunStore::claim_run(std::int64_t run_id, std::int64_t seen_attempt, std::int64_t pid,
                         const std::string& host) {
  bool claimed = false;
  impl_->write("claiming the run",
               [&] { claimed = begin_attempt(impl_->db, run_id, seen_attempt, pid, host); });
  return claimed;
}

void RunStore::heartbeat(std::int64_t run_id) {
  impl_->write("recording a heartbeat", [&] {
    SQLite::Statement s(impl_->db,
                        fmt::format("UPDATE runs SET heartbeat_at = {} WHERE id = ?", kNow));
    s.bind(1, run_id);
    s.exec();
  });
}

void RunStore::set_stage1(std::int64_t run_id, const std::string& key, std::int64_t source_run_id) {
  impl_->write("recording the stage-1 group", [&] {
    SQLite::Statement s(impl_->db,
                        "UPDATE runs SET stage1_key = ?, stage1_run_id = ? WHERE id = ?");
    SQLite::bind(s, key, source_run_id, run_id);
    s.exec();
  });
}

void RunStore::set_pid(std::int64_t run_id, std::int64_t pid) {
  impl_->write("recording the worker", [&] {
    SQLite::Statement s(impl_->db, "UPDATE runs SET pid = ? WHERE id = ?");
    SQLite::bind(s, pid, run_id);
    s.exec();
  });
}

void RunStore::set_scheduler_job(std::int64_t run_id, const std::string& job) {
  impl_->write("recording the scheduler's job", [&] {
    SQLite::Statement s(impl_->db, "UPDATE runs SET scheduler_job = ? WHERE id = ?");
    SQLite::bind(s, job, run_id);
    s.exec();
  });
}

void RunStore::finish_run(std::int64_t run_id, RunStatus status, const std::string& error_stage,
                          const std::string& error) {
  impl_->write("finishing the run", [&] {
    SQLite::Statement s(impl_->db, fmt::format("UPDATE runs SET status = ?, finished_at = {}, "
                                               "error_stage = ?, error = ? WHERE id = ?",
                                               kNow));
    s.bind(1, std::string(to_string(status)));
    if (error_stage.empty())
      s.bind(2);
    else
      s.bind(2, error_stage);
    if (error.empty())
      s.bind(3);
    else
      s.bind(3, error);
    s.bind(4, run_id);
    s.exec();
  });
}

void RunStore::record_varied(std::int64_t sweep_id, const std::vector<VariedParameter>& varied) {
  impl_->write("recording what the sweep varies", [&] {
    SQLite::Statement clear(impl_->db, "DELETE FROM sweep_varied WHERE sweep_id = ?");
    clear.bind(1, sweep_id);
    clear.exec();
    SQLite::Statement insert(
        impl_->db, "INSERT INTO sweep_varied (sweep_id, key, kind, position) VALUES (?, ?, ?, ?)");
    for (std::size_t i = 0; i < varied.size(); ++i) {
      SQLite::bind(insert, sweep_id, varied[i].key, varied[i].kind, static_cast<std::int64_t>(i));
      insert.exec();
      insert.reset();
    }
  });
}

std::vector<VariedParameter> RunStore::varied(std::int64_t sweep_id) const {
  return impl_->guarded("reading what the sweep varies", [&] {
    SQLite::Statement s(impl_->db,
                        "SELECT key, kind FROM sweep_varied WHERE sweep_id = ? ORDER BY position");
    s.bind(1, sweep_id);
    std::vector<VariedParameter> out;
    while (s.executeStep()) out.push_back({s.getColumn(0).getString(), s.getColumn(1).getString()});
    return out;
  });
}

void RunStore::record_params(std::int64_t run_id, const std::vector<ArgRecord>& params) {
  impl_->write("recording params", [&] {
    SQLite::Statement clear(impl_->db, "DELETE FROM params WHERE run_id = ?");
    clear.bind(1, run_id);
    clear.exec();
    SQLite::Statement insert(impl_->db,
                             "INSERT INTO params (run_id, key, stage, value_text, value_num, "
                             "is_default) VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& p : params) {
      SQLite::bind(insert, run_id, p.key, p.stage, p.value_text);
      if (p.value_num)
        insert.bind(5, *p.value_num);
      else
        insert.bind(5);
      insert.bind(6, p.is_default ? 1 : 0);
      insert.exec();
      insert.reset();
    }
  });
}

void RunStore::record_metrics(std::int64_t run_id, const std::vector<MetricPoint>& points) {
  if (points.empty()) return;
  impl_->write("recording metrics", [&] {
    SQLite::Statement insert(
        impl_->db,
        "INSERT INTO metrics (run_id, key, stage, step, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& p : points) {
      SQLite::bind(insert, run_id, p.key, p.stage, p.step);
      bind_value(insert, 5, 6, p.value);
      insert.exec();
      insert.reset();
    }
  });
}

void RunStore::record_summary(std::int64_t run_id, const std::map<std::string, double>& values) {
  impl_->write("recording the run summary", [&] {
    SQLite::Statement insert(impl_->db,
                             "INSERT OR REPLACE INTO run_summary (run_id, key, value, is_nan) "
                             "VALUES (?, ?, ?, ?)");
    for (const auto& [key, value] : values) {
      SQLite::bind(insert, run_id, key);
      bind_value(insert, 3, 4, value);
      insert.exec();
      insert.reset();
    }
  });
}

std::vector<SummaryValue> RunStore::summary(std::int64_t run_id) const {
  return impl_->guarded("reading the run summary", [&] {
    SQLite::Statement s(impl_->db,
                        "SELECT key, value, is_nan FROM run_summary WHERE run_id = ? ORDER BY key");
    s.bind(1, run_id);
    std::vector<SummaryValue> out;
    while (s.executeStep())
      out.push_back({s.getColumn(0).getString(), read_value(s.getColumn(1), s.getColumn(2))});
    return out;
  });
}

std::vector<MetricPoint> RunStore::metrics(std::int64_t run_id) const {
  return impl_->guarded("reading metrics", [&] {
    SQLite::Statement s(impl_->db,
                        "SELECT stage, step, key, value, is_nan FROM metrics WHERE run_id = ? "
                        "ORDER BY rowid");
    s.bind(1, run_id);
    std::vector<MetricPoint> out;
    while (s.executeStep()) {
      out.push_back({s.getColumn(0).getString(), s.getColumn(1).getInt64(),
                     s.getColumn(2).getString(), read_value(s.getColumn(3), s.getColumn(4))});
    }
    return out;
  });
}

void RunStore::record_artifact(std::int64_t run_id, const std::string& kind,
                               const std::string& path, const std::string& sha256) {
  impl_->write("recording an artifact", [&] {
    SQLite::Statement s(impl_->db,
                        "INSERT INTO artifacts (run_id, kind, path, sha256) VALUES (?, ?, ?, ?)");
    SQLite::bind(s, run_id, kind, path, sha256);
    s.exec();
  });
}

void RunStore::record_plugin(std::int64_t run_id, const std::string& kind, const std::string& name,
                             const std::string& version, const std::string& abi,
                             const std::string& sha256) {
  impl_->write("recording a plugin", [&] {
    SQLite::Statement s(impl_->db,
                        "INSERT INTO plugins (run_id, kind, name, version, abi, sha256) VALUES "
                        "(?, ?, ?, ?, ?, ?)");
    SQLite::bind(s, run_id, kind, name, version, abi, sha256);
    s.exec();
  });
}

std::string RunStore::integrity_check() const {
  return impl_->guarded("the integrity check",
                        [&] { return impl_->db.execAndGet("PRAGMA integrity_check").getString(); });
}

}  // namespace setfit
