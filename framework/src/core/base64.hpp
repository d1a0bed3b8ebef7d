#pragma once

#include <string>
#include <string_view>

namespace setfit::detail {

// Decodes standard base64 (RFC 4648, '=' padding, no line breaks). Throws setfit::Error
// "<what>: ..." naming the first offending character's offset when `text` is not base64.
std::string decode_base64(std::string_view text, const std::string& what);

}  // namespace setfit::detail
