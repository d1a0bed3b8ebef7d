#include "unicode.hpp"

#include <fmt/format.h>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "setfit/errors.hpp"
#include "setfit/text.hpp"

namespace setfit::text {
namespace {

utf8proc_category_t category(CodePoint cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

// Runs utf8proc's normaliser on a code-point string.
std::u32string normalize(std::u32string_view text, int options) {
  if (text.empty()) return {};
  std::string utf8 = encode_utf8(text);
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                                    static_cast<utf8proc_ssize_t>(utf8.size()), &out,
                                    static_cast<utf8proc_option_t>(options | UTF8PROC_STABLE));
  if (n < 0) throw Error(fmt::format("Unicode normalisation failed: {}", utf8proc_errmsg(n)));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return decode_utf8(std::string_view(reinterpret_cast<const char*>(out), static_cast<size_t>(n)));
}

}  // namespace

std::u32string decode_utf8(std::string_view bytes, std::string_view what) {
  std::u32string out;
  out.reserve(bytes.size());
  const auto* data = reinterpret_cast<const utf8proc_uint8_t*>(bytes.data());
  utf8proc_ssize_t pos = 0;
  const auto size = static_cast<utf8proc_ssize_t>(bytes.size());
  while (pos < size) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(data + pos, size - pos, &cp);
    if (n < 0) {
      throw Error(
          fmt::format("{} is not valid UTF-8 (byte offset {}: {})", what, pos, utf8proc_errmsg(n)));
    }
    out.push_back(static_cast<CodePoint>(cp));
    pos += n;
  }
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  return utf8proc_decompose(reinterpret_cast<const utf8proc_uint8_t*>(bytes.data()),
                            static_cast<utf8proc_ssize_t>(bytes.size()), nullptr, 0,
                            UTF8PROC_STABLE) >= 0;
}

void append_utf8(std::string& out, CodePoint cp) {
  utf8proc_uint8_t buffer[4];
  auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (CodePoint cp : text) append_utf8(out, cp);
  return out;
}

bool is_python_space(CodePoint cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x1C:
    case 0x1D:
    case 0x1E:
    case 0x1F:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_bert_whitespace(CodePoint cp) {
  if (cp == U' ' || cp == U'\t' || cp == U'\n' || cp == U'\r') return true;
  return category(cp) == UTF8PROC_CATEGORY_ZS;
}

bool is_bert_control(CodePoint cp) {
  if (cp == U'\t' || cp == U'\n' || cp == U'\r') return false;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS:
      return true;
    default:
      return false;
  }
}

bool is_bert_punctuation(CodePoint cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)) {
    return true;
  }
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

bool is_cjk(CodePoint cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_nonspacing_mark(CodePoint cp) {
  return category(cp) == UTF8PROC_CATEGORY_MN;
}

bool is_letter(CodePoint cp) {
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return true;
    default:
      return false;
  }
}

bool is_number(CodePoint cp) {
  const auto c = category(cp);
  return c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
}

bool is_regex_space(CodePoint cp) {
  // Unicode's White_Space property (PropList.txt), what `regex` matches with \s.
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

std::u32string nfc(std::u32string_view text) {
  return normalize(text, UTF8PROC_COMPOSE);
}

std::u32string nfd(std::u32string_view text) {
  return normalize(text, UTF8PROC_DECOMPOSE);
}

std::u32string python_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (CodePoint cp : text) {
    if (cp == 0x0130) {  // LATIN CAPITAL I WITH DOT ABOVE: "i" + COMBINING DOT ABOVE
      out.push_back(U'i');
      out.push_back(0x0307);
    } else {
      out.push_back(static_cast<CodePoint>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
    }
  }
  return out;
}

std::u32string strip_accents(std::u32string_view text) {
  std::u32string decomposed = nfd(text);
  std::u32string out;
  out.reserve(decomposed.size());
  for (CodePoint cp : decomposed) {
    if (!is_nonspacing_mark(cp)) out.push_back(cp);
  }
  return out;
}

std::u32string_view python_strip(std::u32string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_python_space(text[begin])) ++begin;
  while (end > begin && is_python_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

}  // namespace setfit::text

namespace setfit {

bool is_valid_utf8(std::string_view bytes) {
  return text::is_valid_utf8(bytes);
}

std::string printable_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto* data = reinterpret_cast<const utf8proc_uint8_t*>(bytes.data());
  const auto size = static_cast<utf8proc_ssize_t>(bytes.size());
  for (utf8proc_ssize_t pos = 0; pos < size;) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(data + pos, size - pos, &cp);
    if (n < 0 || cp < 0x20 || cp == 0x7f) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned>(data[pos]));  // one byte at a time
      ++pos;
      continue;
    }
    out.append(bytes.substr(static_cast<std::size_t>(pos), static_cast<std::size_t>(n)));
    pos += n;
  }
  return out;
}

}  // namespace setfit
