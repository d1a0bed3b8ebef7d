#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "setfit/assets.hpp"

namespace setfit::assets {

// Text content of an HTML document (scripts and styles dropped, entities decoded).
std::string html_to_text(std::string_view html);

// Runs of whitespace become one space; leading and trailing whitespace go; invalid UTF-8
// is repaired.
std::string collapse_whitespace(std::string_view text);

// The first `max_characters` code points of valid UTF-8 `text`.
std::string cut_to_characters(std::string_view text, std::size_t max_characters);

}  // namespace setfit::assets
