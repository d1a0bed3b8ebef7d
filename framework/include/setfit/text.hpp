#pragma once

#include <string_view>

#include "setfit/export.hpp"

namespace setfit {

// Whether `bytes` is well-formed UTF-8.
SETFIT_API bool is_valid_utf8(std::string_view bytes);

}  // namespace setfit
