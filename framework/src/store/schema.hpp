#pragma once

#include <SQLiteCpp/Database.h>

#include <string>

namespace setfit::detail {

// The store's schema version (PRAGMA user_version) this build writes.
inline constexpr int kStoreSchemaVersion = 1;

int schema_version(SQLite::Database& db);
// Brings an older database (0: empty) to kStoreSchemaVersion in one transaction; refuses
// a newer one. `origin` names the file in errors.
void migrate(SQLite::Database& db, const std::string& origin);

}  // namespace setfit::detail
