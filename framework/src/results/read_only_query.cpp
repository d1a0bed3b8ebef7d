// `setfit results sql`: one SELECT on a store that cannot be changed through this
// connection: opened read-only, query_only on, and an authorizer that allows reading only.

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <string_view>

#include "results_store.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"

namespace setfit {
namespace {

int allow_reading_only(void* refused, int action, const char*, const char*, const char*,
                       const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    default:
      *static_cast<int*>(refused) = action;
      return SQLITE_DENY;
  }
}

std::string action_name(int action) {
  switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      return "ATTACH and DETACH are";
    case SQLITE_PRAGMA:
      return "PRAGMA is";
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
      return "transactions are";
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
      return "changing rows is";
    default:
      return "changing the database is";
  }
}

}  // namespace

ResultTable read_only_query(const std::filesystem::path& db, const std::string& sql) {
  auto handle = detail::open_store_read_only(db);
  handle.exec("PRAGMA query_only = ON");
  // Extensions stay off on this connection (the SQLite default; made explicit here).
  sqlite3_db_config(handle.getHandle(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  int refused = 0;
  sqlite3_set_authorizer(handle.getHandle(), allow_reading_only, &refused);
  // One statement: a second one after a ';' would otherwise be ignored without a word.
  {
    sqlite3_stmt* first = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(handle.getHandle(), sql.c_str(), static_cast<int>(sql.size()),
                                      &first, &tail);
    sqlite3_finalize(first);
    if (rc == SQLITE_OK && tail != nullptr &&
        std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      throw Error(fmt::format("{}: results sql runs one statement; more follows at '{}'",
                              db.string(), std::string_view(tail).substr(0, 40)));
    }
  }
  ResultTable table;
  try {
    SQLite::Statement query(handle, sql);
    for (int c = 0; c < query.getColumnCount(); ++c)
      table.columns.push_back(query.getColumnName(c));
    while (query.executeStep()) {
      std::vector<ResultCell> row;
      for (int c = 0; c < query.getColumnCount(); ++c) {
        const auto column = query.getColumn(c);
        if (column.isNull())
          row.emplace_back(std::monostate{});
        else if (column.isInteger() || column.isFloat())
          row.emplace_back(column.getDouble());
        else
          row.emplace_back(column.getString());
      }
      table.rows.push_back(std::move(row));
    }
  } catch (const SQLite::Exception& e) {
    if (refused != 0) {
      throw Error(fmt::format("{}: refused: results sql only reads ({} not allowed)", db.string(),
                              action_name(refused)));
    }
    throw Error(fmt::format("{}: {}", db.string(), e.what()));
  }
  return table;
}

}  // namespace setfit
