#pragma once

// Unicode helpers for the tokenisers, on top of utf8proc. They reproduce the
// character classes and string operations of Python's str and unicodedata that
// Hugging Face's tokenisers rely on.

#include <cstdint>
#include <string>
#include <string_view>

#include "setfit/export.hpp"

// The functions marked SETFIT_API are also used by the assets library (mail parsing).
namespace setfit::text {

using CodePoint = char32_t;

// Decodes UTF-8; throws setfit::Error naming `what` and the byte offset when invalid.
SETFIT_API std::u32string decode_utf8(std::string_view bytes, std::string_view what = "text");
SETFIT_API std::string encode_utf8(std::u32string_view text);
SETFIT_API void append_utf8(std::string& out, CodePoint cp);
// Whether `bytes` is valid UTF-8 (no exception).
SETFIT_API bool is_valid_utf8(std::string_view bytes);

// Python's str.isspace() (and so str.split() / str.strip()).
SETFIT_API bool is_python_space(CodePoint cp);
// BERT's classes (transformers' _is_whitespace, _is_control, _is_punctuation,
// _is_chinese_char).
bool is_bert_whitespace(CodePoint cp);
bool is_bert_control(CodePoint cp);
bool is_bert_punctuation(CodePoint cp);
bool is_cjk(CodePoint cp);
// Nonspacing mark (category Mn): what strip_accents drops after NFD.
bool is_nonspacing_mark(CodePoint cp);
// The classes of GPT-2's pre-tokenisation pattern (Python's `regex` module): \p{L}, \p{N},
// and \s (the Unicode White_Space property).
bool is_letter(CodePoint cp);
bool is_number(CodePoint cp);
bool is_regex_space(CodePoint cp);

std::u32string nfc(std::u32string_view text);
std::u32string nfd(std::u32string_view text);
// Python's str.lower() applied one character at a time, as transformers does for
// slow tokenisers (so no final-sigma rule): full mappings such as U+0130.
std::u32string python_lower(std::u32string_view text);
// NFD, then drop nonspacing marks.
std::u32string strip_accents(std::u32string_view text);
// Python's str.strip() with no argument.
std::u32string_view python_strip(std::u32string_view text);

}  // namespace setfit::text
