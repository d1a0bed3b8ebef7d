#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "setfit/export.hpp"

// In libsetfit_sdk (Params' hints), exported for libsetfit.
namespace setfit::detail {

// The candidate closest to `name` by edit distance when it is close enough to be a
// likely misspelling (at most 3 edits), else empty. For "did you mean" hints.
SETFIT_API std::string nearest_name(std::string_view name, const std::vector<std::string>& candidates);

// "; did you mean 'x'?" for the nearest candidate, or empty.
SETFIT_API std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace setfit::detail
