#pragma once

#include <SQLiteCpp/Database.h>

#include <string>

#include "setfit/export.hpp"
#include "setfit/run_store.hpp"

namespace setfit::detail {

// The store's schema version (PRAGMA user_version) this build writes.
inline constexpr int kStoreSchemaVersion = RunStore::kSchemaVersion;

SETFIT_API int schema_version(SQLite::Database& db);
// Brings an older database (0: empty) to `target` (normally kStoreSchemaVersion) in one
// transaction; refuses a newer one. `origin` names the file in errors.
SETFIT_API void migrate(SQLite::Database& db, const std::string& origin,
                        int target = kStoreSchemaVersion);

}  // namespace setfit::detail
