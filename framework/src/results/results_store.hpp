#pragma once

#include <SQLiteCpp/Database.h>

#include <filesystem>

namespace setfit::detail {

// A run store opened read-only, after checking that it is one (and not of a newer schema);
// throws setfit::Error naming the file and what was expected.
SQLite::Database open_store_read_only(const std::filesystem::path& db);

}  // namespace setfit::detail
