#pragma once

#include <string>

#include "setfit/results.hpp"

namespace setfit::detail {

// A recorded param value as a table cell: a number when it reads as one, else its text
// without TOML quotes; empty for an empty value.
ResultCell cell_of(const std::string& value);

}  // namespace setfit::detail
