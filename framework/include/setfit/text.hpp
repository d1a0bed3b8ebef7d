#pragma once

#include <string>
#include <string_view>

#include "setfit/export.hpp"

namespace setfit {

// Whether `bytes` is well-formed UTF-8.
SETFIT_API bool is_valid_utf8(std::string_view bytes);

// `bytes` safe to put in a message: valid UTF-8 kept, control characters and bytes that are
// not UTF-8 written as \xNN, so an error never echoes raw bytes to a terminal.
SETFIT_API std::string printable_bytes(std::string_view bytes);

}  // namespace setfit
