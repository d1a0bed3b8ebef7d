#include "schema.hpp"

#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <vector>

#include "setfit/errors.hpp"

namespace setfit::detail {
namespace {

// Migration i brings the schema from version i to i + 1. Append; never edit a shipped one.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> all = {
      R"sql(
CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  spec_toml TEXT NOT NULL,
  spec_fingerprint TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  status TEXT NOT NULL DEFAULT 'ACTIVE'
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  sweep_id INTEGER REFERENCES sweeps(id) ON DELETE CASCADE,
  run_key TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'SCHEDULED'
    CHECK (status IN ('SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'DIVERGED', 'KILLED')),
  attempt INTEGER NOT NULL DEFAULT 0,
  heartbeat_at TEXT,
  started_at TEXT,
  finished_at TEXT,
  host TEXT,
  pid INTEGER,
  error_stage TEXT,
  error TEXT
);
-- One run per key in a sweep; standalone runs (no sweep) may repeat a key.
CREATE UNIQUE INDEX runs_sweep_key ON runs(sweep_id, run_key) WHERE sweep_id IS NOT NULL;
CREATE TABLE params (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  stage TEXT NOT NULL CHECK (stage IN ('embedding', 'classifier', 'global')),
  value_text TEXT NOT NULL,
  value_num REAL,
  is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),
  PRIMARY KEY (run_id, key, stage)
);
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  stage TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL,            -- NULL exactly when is_nan (SQLite has no NaN); infinities as such
  is_nan INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX metrics_run_key ON metrics(run_id, key, step);
CREATE TABLE run_summary (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value REAL,
  is_nan INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
  PRIMARY KEY (run_id, key)
);
CREATE TABLE artifacts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT
);
CREATE TABLE plugins (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  abi TEXT NOT NULL,
  sha256 TEXT
);
)sql",
      // 1 -> 2: which runs shared which stage 1 (the sweep planner trains it once per group).
      R"sql(
ALTER TABLE runs ADD COLUMN stage1_key TEXT;
ALTER TABLE runs ADD COLUMN stage1_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
)sql",
      // 2 -> 3: which parameters a sweep varies, so queries can tell its configurations apart.
      R"sql(
CREATE TABLE sweep_varied (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('grid', 'zip', 'random', 'seeds')),
  position INTEGER NOT NULL,
  PRIMARY KEY (sweep_id, key)
);
)sql",
      // 3 -> 4: views for other tools (pandas, the sqlite3 shell): a row per run with its
      // params and summary metrics as JSON objects, params by readable name, metric series.
      R"sql(
CREATE VIEW run_table AS
SELECT r.id AS run_id, s.name AS sweep, r.status, r.attempt, r.host, r.started_at,
       r.finished_at, (julianday(r.finished_at) - julianday(r.started_at)) * 86400.0 AS duration_s,
       r.error_stage, r.error, r.run_key,
       (SELECT json_group_object(CASE p.stage WHEN 'global' THEN p.key ELSE p.stage || '.' || p.key END,
                                 CASE WHEN p.value_num IS NULL THEN trim(p.value_text, '"')
                                      WHEN p.value_num = CAST(p.value_num AS INTEGER)
                                      THEN CAST(p.value_num AS INTEGER) ELSE p.value_num END)
          FROM params p WHERE p.run_id = r.id) AS params,
       (SELECT json_group_object(m.key, CASE WHEN m.is_nan = 1 THEN NULL ELSE m.value END)
          FROM run_summary m WHERE m.run_id = r.id) AS metrics
FROM runs r LEFT JOIN sweeps s ON s.id = r.sweep_id;
CREATE VIEW run_params AS
SELECT run_id, CASE stage WHEN 'global' THEN key ELSE stage || '.' || key END AS name,
       trim(value_text, '"') AS value, value_num, is_default
FROM params;
CREATE VIEW metric_series AS
SELECT m.run_id, s.name AS sweep, m.stage, m.step, m.key,
       CASE WHEN m.is_nan = 1 THEN NULL ELSE m.value END AS value, m.is_nan, m.at
FROM metrics m JOIN runs r ON r.id = m.run_id LEFT JOIN sweeps s ON s.id = r.sweep_id;
)sql",
      // 4 -> 5: the cluster job that ran a run (a Slurm array task), to find its log.
      R"sql(
ALTER TABLE runs ADD COLUMN scheduler_job TEXT;
)sql",
  };
  return all;
}

}  // namespace

int schema_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

void migrate(SQLite::Database& db, const std::string& origin, int target) {
  const int version = schema_version(db);
  if (version > kStoreSchemaVersion) {
    throw Error(fmt::format(
        "{}: the run store is at schema version {}, newer than this setfit ({}); upgrade setfit",
        origin, version, kStoreSchemaVersion));
  }
  if (version >= target) return;
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  // Another orchestrator may have migrated between the check and the lock.
  const int now = schema_version(db);
  for (int v = now; v < target; ++v) db.exec(migrations()[static_cast<std::size_t>(v)]);
  if (now < target) db.exec(fmt::format("PRAGMA user_version = {}", target));
  transaction.commit();
}

}  // namespace setfit::detail
