#include "base64.hpp"

#include <fmt/format.h>

#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>

#include "setfit/errors.hpp"

namespace setfit::detail {
namespace {

bool is_base64_digit(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string decode_base64(std::string_view text, const std::string& what) {
  if (text.size() % 4 != 0)
    throw Error(
        fmt::format("{}: not base64 (its length, {}, is not a multiple of 4)", what, text.size()));
  // The shape is checked here so that the error can name the offset; Boost only decodes.
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  for (std::size_t i = 0; i + padding < text.size(); ++i) {
    if (!is_base64_digit(text[i]))
      throw Error(fmt::format("{}: not base64 (character {} is not a base64 digit)", what, i));
  }
  // Boost's decoder knows no padding: '=' is decoded as zero bits and the bytes they make
  // are dropped.
  std::string digits(text);
  for (std::size_t i = 0; i < padding; ++i) digits[digits.size() - 1 - i] = 'A';
  using Decoder = boost::archive::iterators::transform_width<
      boost::archive::iterators::binary_from_base64<std::string::const_iterator>, 8, 6>;
  std::string bytes(Decoder(digits.cbegin()), Decoder(digits.cend()));
  bytes.resize(bytes.size() - padding);
  return bytes;
}

}  // namespace setfit::detail
