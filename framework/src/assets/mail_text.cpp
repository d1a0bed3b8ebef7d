// Raw e-mail to classification text: GMime parses MIME (multipart, quoted-printable,
// base64, RFC 2047 headers, charsets), libxml2's HTML parser turns HTML into text.

#include "mail_text.hpp"

#include <gmime/gmime.h>
#include <libxml/HTMLparser.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "../text/unicode.hpp"

namespace setfit::assets {
namespace {

void init_libraries() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    xmlInitParser();
  });
}

bool iequals_prefix(std::string_view text, std::size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
  }
  return true;
}

bool looks_like_html(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' &&
        (iequals_prefix(text, i + 1, "html") || iequals_prefix(text, i + 1, "body") ||
         iequals_prefix(text, i + 1, "!doctype html") || iequals_prefix(text, i + 1, "table") ||
         iequals_prefix(text, i + 1, "div") || iequals_prefix(text, i + 1, "font"))) {
      return true;
    }
  }
  return false;
}

// HTML element names that count as stray tags in plain text; angle-bracketed URLs and
// addresses (<http://...>, <a@b.c>) are text and stay.
bool is_html_tag_name(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "a",      "abbr",   "b",        "basefont", "big",      "blockquote", "body",  "br",
      "center", "col",    "colgroup", "dd",       "div",      "dl",         "dt",    "em",
      "font",   "form",   "h1",       "h2",       "h3",       "h4",         "h5",    "h6",
      "head",   "hr",     "html",     "i",        "img",      "input",      "li",    "link",
      "map",    "meta",   "o:p",      "ol",       "option",   "p",          "pre",   "s",
      "script", "select", "small",    "span",     "strike",   "strong",     "style", "sub",
      "sup",    "table",  "tbody",    "td",       "textarea", "tfoot",      "th",    "thead",
      "title",  "tr",     "tt",       "u",        "ul",       "area",       "base"};
  for (auto known : kNames) {
    if (name.size() == known.size() &&
        std::equal(name.begin(), name.end(), known.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return true;
    }
  }
  return false;
}

// Removes HTML tags (<p>, </font>, <br/>, <!-- ... -->) left in plain text.
std::string strip_stray_tags(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '<') {
      if (text.compare(i, 4, "<!--") == 0) {
        std::size_t end = text.find("-->", i + 4);
        if (end != std::string_view::npos) {
          out += ' ';
          i = end + 3;
          continue;
        }
      }
      std::size_t close = text.find('>', i + 1);
      if (close != std::string_view::npos && close - i < 500) {
        std::size_t start = i + 1 + (text[i + 1] == '/' ? 1 : 0);
        std::size_t end = start;
        while (end < close &&
               (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == ':'))
          ++end;
        const bool boundary = end == close || text[end] == ' ' || text[end] == '/' ||
                              text[end] == '\t' || text[end] == '\n';
        if (end > start && boundary && is_html_tag_name(text.substr(start, end - start))) {
          out += ' ';
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

// A text part's bytes after transfer decoding. The package stores messages already
// decoded to Unicode, so bytes that are valid UTF-8 are taken as they are; only
// others are converted from the declared charset (ISO-8859-1 when none).
std::string part_text(GMimeObject* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part));
  if (content == nullptr) return {};
  GMimeStream* memory = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(content, memory);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(memory));
  std::string raw(reinterpret_cast<const char*>(bytes->data), bytes->len);
  g_object_unref(memory);
  if (text::is_valid_utf8(raw)) return raw;
  const char* charset = g_mime_object_get_content_type_parameter(part, "charset");
  gsize written = 0;
  gchar* converted =
      g_convert(raw.data(), static_cast<gssize>(raw.size()), "UTF-8",
                charset != nullptr ? charset : "ISO-8859-1", nullptr, &written, nullptr);
  if (converted == nullptr) {
    converted = g_convert(raw.data(), static_cast<gssize>(raw.size()), "UTF-8", "ISO-8859-1",
                          nullptr, &written, nullptr);
  }
  if (converted == nullptr) return {};
  std::string out(converted, written);
  g_free(converted);
  return out;
}

void collect_text(xmlNode* node, std::string& out) {
  for (xmlNode* n = node; n != nullptr; n = n->next) {
    if (n->type == XML_ELEMENT_NODE && n->name != nullptr) {
      const auto* name = reinterpret_cast<const char*>(n->name);
      if (std::string_view(name) == "script" || std::string_view(name) == "style") continue;
    }
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content != nullptr) {
      out += reinterpret_cast<const char*>(n->content);
      out += ' ';
    }
    if (n->children != nullptr) collect_text(n->children, out);
    if (n->type == XML_ELEMENT_NODE) out += ' ';  // block boundaries become spaces
  }
}

struct PartState {
  std::string body;
};

void visit_part(GMimeObject*, GMimeObject* part, gpointer data) {
  auto* state = static_cast<PartState*>(data);
  if (!GMIME_IS_TEXT_PART(part)) return;
  if (GMIME_IS_PART(part) && g_mime_part_is_attachment(GMIME_PART(part))) return;
  GMimeContentType* type = g_mime_object_get_content_type(part);
  const bool html = g_mime_content_type_is_type(type, "text", "html");
  const bool plain = g_mime_content_type_is_type(type, "text", "plain");
  if (!html && !plain) return;
  std::string text = part_text(part);
  if (html || looks_like_html(text)) {
    text = html_to_text(text);
  } else {
    text = strip_stray_tags(text);
  }
  state->body += text;
  state->body += ' ';
}

std::string make_valid_utf8(std::string text) {
  if (text::is_valid_utf8(text)) return text;
  gchar* valid = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
  std::string out = valid;
  g_free(valid);
  return out;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  init_libraries();
  if (html.empty()) return {};
  htmlDocPtr doc = htmlReadMemory(
      html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
  if (doc == nullptr) return strip_stray_tags(html);
  std::string out;
  collect_text(xmlDocGetRootElement(doc), out);
  xmlFreeDoc(doc);
  return out;
}

std::string collapse_whitespace(std::string_view text) {
  std::u32string codepoints = text::decode_utf8(make_valid_utf8(std::string(text)));
  std::u32string out;
  out.reserve(codepoints.size());
  bool pending_space = false;
  for (char32_t cp : codepoints) {
    if (text::is_python_space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    out.push_back(cp);
  }
  return text::encode_utf8(out);
}

std::string cut_to_characters(std::string_view text, std::size_t max_characters) {
  std::u32string codepoints = text::decode_utf8(text);
  if (codepoints.size() <= max_characters) return std::string(text);
  return text::encode_utf8(std::u32string_view(codepoints).substr(0, max_characters));
}

std::string mail_to_text(std::string_view raw, std::size_t max_characters) {
  init_libraries();
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_object_unref(stream);
  GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  if (message == nullptr) return {};

  std::string text;
  if (const char* subject = g_mime_message_get_subject(message); subject && *subject) {
    text = std::string("Subject: ") + subject + " ";
  }
  PartState state;
  g_mime_message_foreach(message, visit_part, &state);
  g_object_unref(message);
  text += state.body;
  return cut_to_characters(collapse_whitespace(text), max_characters);
}

}  // namespace setfit::assets
