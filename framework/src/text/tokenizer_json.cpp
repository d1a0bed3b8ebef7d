#include "tokenizer_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "../core/base64.hpp"
#include "sentencepiece_model_proto.hpp"
#include "setfit/errors.hpp"
#include "setfit/text.hpp"
#include "unicode.hpp"

namespace setfit::text {
namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw Error(fmt::format("{}: {}", origin, what));
}

const nlohmann::json& object_at(const nlohmann::json& parent, const char* key,
                                const std::string& origin) {
  if (!parent.contains(key) || !parent[key].is_object()) {
    fail(origin, fmt::format("'{}' must be an object", key));
  }
  return parent[key];
}

std::string string_or(const nlohmann::json& object, const char* key, const std::string& fallback,
                      const std::string& origin) {
  if (!object.contains(key) || object[key].is_null()) return fallback;
  if (!object[key].is_string()) fail(origin, fmt::format("'{}' must be a string", key));
  return object[key].get<std::string>();
}

bool bool_or(const nlohmann::json& object, const char* key, bool fallback,
             const std::string& origin) {
  if (!object.contains(key) || object[key].is_null()) return fallback;
  if (!object[key].is_boolean()) fail(origin, fmt::format("'{}' must be true or false", key));
  return object[key].get<bool>();
}

// A template item: {"SpecialToken": {"id": "[CLS]", "type_id": 0}} or
// {"Sequence": {"id": "A", "type_id": 0}}.
TemplatePiece parse_piece(const nlohmann::json& item, const std::string& origin) {
  TemplatePiece piece;
  if (!item.is_object() || item.size() != 1)
    fail(origin, "a template item must be a one-key object");
  // Not a structured binding over items(): its proxy is a temporary.
  const auto first = item.begin();
  const std::string kind = first.key();
  const nlohmann::json& body = first.value();
  if (!body.is_object()) fail(origin, "a template item's value must be an object");
  const std::string id = string_or(body, "id", "", origin);
  if (body.contains("type_id") && !body["type_id"].is_number_unsigned()) {
    fail(origin, "a template item's type_id must be a non-negative integer");
  }
  piece.type_id = body.value("type_id", std::int64_t{0});
  if (kind == "SpecialToken") {
    if (id.empty()) fail(origin, "a SpecialToken template item needs an id");
    piece.kind = TemplatePiece::Kind::Special;
    piece.token = id;
  } else if (kind == "Sequence") {
    if (id != "A" && id != "B")
      fail(origin, fmt::format("a Sequence template item's id must be A or B, got '{}'", id));
    piece.kind = id == "A" ? TemplatePiece::Kind::SequenceA : TemplatePiece::Kind::SequenceB;
  } else {
    fail(origin, fmt::format("unknown template item '{}'", kind));
  }
  return piece;
}

std::vector<TemplatePiece> parse_template(const nlohmann::json& processor, const char* key,
                                          const std::string& origin) {
  if (!processor.contains(key) || !processor[key].is_array()) {
    fail(origin, fmt::format("post_processor '{}' must be a list", key));
  }
  std::vector<TemplatePiece> pieces;
  for (const auto& item : processor[key]) pieces.push_back(parse_piece(item, origin));
  return pieces;
}

// BertProcessing / RobertaProcessing: {"cls": ["[CLS]", 101], "sep": ["[SEP]", 102]}.
std::string processing_token(const nlohmann::json& processor, const char* key,
                             const std::string& origin) {
  const auto& value = processor.contains(key) ? processor[key] : nlohmann::json();
  if (!value.is_array() || value.size() != 2 || !value[0].is_string()) {
    fail(origin, fmt::format("post_processor '{}' must be [token, id]", key));
  }
  return value[0].get<std::string>();
}

// Calls visit(token, id) for each entry of added_tokens (the id as written, unchecked).
template <typename Visit>
void for_each_added_token(const nlohmann::json& doc, const std::string& origin, Visit visit) {
  if (!doc.contains("added_tokens") || doc["added_tokens"].is_null()) return;
  if (!doc["added_tokens"].is_array()) fail(origin, "'added_tokens' must be a list");
  for (const auto& entry : doc["added_tokens"]) {
    if (!entry.is_object()) fail(origin, "an added token must be an object");
    const std::string content = string_or(entry, "content", "", origin);
    if (content.empty()) fail(origin, "an added token has no content");
    if (!entry.contains("id")) fail(origin, fmt::format("added token '{}' has no id", content));
    visit(SpecialToken{content, bool_or(entry, "lstrip", false, origin),
                       bool_or(entry, "rstrip", false, origin)},
          entry["id"]);
  }
}

// The vocabulary: model.vocab (token -> id) and the added tokens, ids dense from 0. Added
// tokens go to `added` (all of them split a text; `special` ones are also never merged).
std::vector<std::string> read_vocabulary(const nlohmann::json& doc, const nlohmann::json& model,
                                         const std::string& origin,
                                         std::vector<SpecialToken>& added) {
  std::map<std::int64_t, std::string> by_id;
  auto add = [&](const std::string& token, const nlohmann::json& id) {
    if (!id.is_number_unsigned())
      fail(origin, fmt::format("token '{}' has no non-negative id", token));
    const auto value = id.get<std::int64_t>();
    auto [it, inserted] = by_id.emplace(value, token);
    if (!inserted && it->second != token) {
      fail(origin, fmt::format("id {} is given to both '{}' and '{}'", value, it->second, token));
    }
  };
  for (const auto& [token, id] : object_at(model, "vocab", origin).items()) add(token, id);
  // Special tokens alone tokenise every word to the unknown token: a model without words is
  // broken.
  if (by_id.empty()) fail(origin, "the model's vocabulary ('model.vocab') is empty");
  for_each_added_token(doc, origin, [&](const SpecialToken& token, const nlohmann::json& id) {
    add(token.content, id);
    added.push_back(token);
  });
  std::vector<std::string> vocab;
  std::int64_t expected = 0;
  for (const auto& [id, token] : by_id) {
    if (id != expected)
      fail(origin, fmt::format("token ids must be 0..{} without gaps; {} is missing",
                               by_id.size() - 1, expected));
    if (!is_valid_utf8(token)) fail(origin, fmt::format("token id {} is not valid UTF-8", id));
    vocab.push_back(token);
    ++expected;
  }
  return vocab;
}

// The post-processor: the template that frames sequences with special tokens, whose tokens
// are added to `specials`.
SequenceTemplate read_template(const nlohmann::json& doc, const std::string& origin,
                               std::vector<std::string>& specials) {
  SequenceTemplate frame;
  if (doc.contains("post_processor") && !doc["post_processor"].is_null()) {
    const auto& processor = doc["post_processor"];
    const std::string kind = string_or(processor, "type", "", origin);
    if (kind == "TemplateProcessing") {
      frame.single = parse_template(processor, "single", origin);
      frame.pair = parse_template(processor, "pair", origin);
      frame.token_types = std::any_of(frame.pair.begin(), frame.pair.end(),
                                      [](const TemplatePiece& p) { return p.type_id != 0; });
    } else if (kind == "BertProcessing") {
      frame = SequenceTemplate::bert(processing_token(processor, "cls", origin),
                                     processing_token(processor, "sep", origin));
    } else if (kind == "RobertaProcessing") {
      frame = SequenceTemplate::roberta(processing_token(processor, "cls", origin),
                                        processing_token(processor, "sep", origin));
    } else {
      fail(origin, fmt::format("post_processor type '{}' is not supported; supported: "
                               "TemplateProcessing, BertProcessing, RobertaProcessing",
                               kind));
    }
    for (const auto* pieces : {&frame.single, &frame.pair}) {
      for (const auto& piece : *pieces) {
        if (piece.kind == TemplatePiece::Kind::Special) specials.push_back(piece.token);
      }
    }
  } else {
    using K = TemplatePiece::Kind;
    frame.single = {{K::SequenceA, "", 0}};
    frame.pair = {{K::SequenceA, "", 0}, {K::SequenceB, "", 1}};
  }
  frame.name = "tokenizer.json";
  return frame;
}

// The template's special tokens that `specials` does not list yet, added to it.
void add_unlisted(const std::vector<std::string>& tokens, std::vector<SpecialToken>& specials) {
  for (const auto& token : tokens) {
    const bool listed = std::any_of(specials.begin(), specials.end(),
                                    [&](const SpecialToken& s) { return s.content == token; });
    if (!listed) specials.push_back({token});
  }
}

// The padding token: the padding section, else the first of `candidates` in the vocabulary,
// else the first token.
std::string read_pad_token(const nlohmann::json& doc, const std::vector<std::string>& vocab,
                           const std::string& origin) {
  std::string pad;
  if (doc.contains("padding") && doc["padding"].is_object())
    pad = string_or(doc["padding"], "pad_token", "", origin);
  for (const char* candidate : {"[PAD]", "<pad>"}) {
    if (pad.empty() && std::find(vocab.begin(), vocab.end(), candidate) != vocab.end())
      pad = candidate;
  }
  return pad.empty() ? vocab.front() : pad;
}

WordPieceConfig wordpiece_from_json(const nlohmann::json& doc, const nlohmann::json& model,
                                    const std::string& origin) {
  WordPieceConfig config;
  config.unk_token = string_or(model, "unk_token", "[UNK]", origin);
  config.continuing_prefix = string_or(model, "continuing_subword_prefix", "##", origin);
  if (model.contains("max_input_chars_per_word") && !model["max_input_chars_per_word"].is_null()) {
    if (!model["max_input_chars_per_word"].is_number_unsigned()) {
      fail(origin, "'max_input_chars_per_word' must be a non-negative integer");
    }
    config.max_input_chars_per_word = model["max_input_chars_per_word"].get<std::size_t>();
  }
  std::vector<SpecialToken> added;
  config.vocab = read_vocabulary(doc, model, origin, added);
  std::vector<std::string> specials;
  for (const auto& token : added) specials.push_back(token.content);

  // Normaliser: BertNormalizer, or none.
  if (doc.contains("normalizer") && !doc["normalizer"].is_null()) {
    const auto& normalizer = doc["normalizer"];
    if (!normalizer.is_object()) fail(origin, "'normalizer' must be an object");
    const std::string kind = string_or(normalizer, "type", "", origin);
    if (kind != "BertNormalizer") {
      fail(origin,
           fmt::format("normalizer type '{}' is not supported; supported: BertNormalizer", kind));
    }
    config.do_lower_case = bool_or(normalizer, "lowercase", true, origin);
    config.tokenize_chinese_chars = bool_or(normalizer, "handle_chinese_chars", true, origin);
    if (normalizer.contains("strip_accents") && !normalizer["strip_accents"].is_null()) {
      config.strip_accents = bool_or(normalizer, "strip_accents", false, origin);
    }
  } else {
    config.do_lower_case = false;
    config.strip_accents = false;
  }
  if (doc.contains("pre_tokenizer") && !doc["pre_tokenizer"].is_null()) {
    const std::string kind = string_or(doc["pre_tokenizer"], "type", "", origin);
    if (kind != "BertPreTokenizer") {
      fail(origin,
           fmt::format("pre_tokenizer type '{}' is not supported; supported: BertPreTokenizer",
                       kind));
    }
  }
  config.sequence_template = read_template(doc, origin, specials);
  config.pad_token = read_pad_token(doc, config.vocab, origin);
  specials.push_back(config.unk_token);
  std::sort(specials.begin(), specials.end());
  specials.erase(std::unique(specials.begin(), specials.end()), specials.end());
  config.special_tokens = std::move(specials);
  return config;
}

// A BPE model over GPT-2's bytes: the ByteLevel pre-tokeniser, no normaliser.
ByteLevelBpeConfig byte_level_bpe_from_json(const nlohmann::json& doc, const nlohmann::json& model,
                                            const std::string& origin) {
  ByteLevelBpeConfig config;
  if (!string_or(model, "continuing_subword_prefix", "", origin).empty() ||
      !string_or(model, "end_of_word_suffix", "", origin).empty()) {
    fail(origin,
         "a BPE model with a continuing_subword_prefix or end_of_word_suffix is not "
         "supported (only byte-level BPE)");
  }
  if (bool_or(model, "byte_fallback", false, origin))
    fail(origin, "a BPE model with byte_fallback is not supported (only byte-level BPE)");
  if (model.contains("dropout") && !model["dropout"].is_null() &&
      !(model["dropout"].is_number() && model["dropout"].get<double>() == 0.0)) {
    fail(origin, "BPE dropout is not supported (it makes tokenisation random)");
  }
  const std::string unk = string_or(model, "unk_token", "", origin);
  std::vector<SpecialToken> added;
  config.vocab = read_vocabulary(doc, model, origin, added);
  config.unk_token = unk;  // may be empty: byte-level BPE covers every byte
  if (!model.contains("merges") || !model["merges"].is_array())
    fail(origin, "'model.merges' must be a list");
  for (const auto& merge : model["merges"]) {
    // "left right", or ["left", "right"] in newer files.
    if (merge.is_string()) {
      const std::string text = merge.get<std::string>();
      const std::size_t space = text.find(' ');
      if (space == std::string::npos || space == 0 || space + 1 == text.size() ||
          text.find(' ', space + 1) != std::string::npos) {
        fail(origin, fmt::format("merge '{}' is not two symbols separated by one space",
                                 printable_bytes(text)));
      }
      config.merges.emplace_back(text.substr(0, space), text.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      config.merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      fail(origin, "a merge must be \"left right\" or [\"left\", \"right\"]");
    }
  }
  if (doc.contains("normalizer") && !doc["normalizer"].is_null())
    fail(origin, "a byte-level BPE model with a normalizer is not supported");
  if (!doc.contains("pre_tokenizer") || !doc["pre_tokenizer"].is_object() ||
      string_or(doc["pre_tokenizer"], "type", "", origin) != "ByteLevel") {
    fail(origin,
         "a BPE model needs the ByteLevel pre_tokenizer (only byte-level BPE is supported)");
  }
  const auto& pre = doc["pre_tokenizer"];
  if (!bool_or(pre, "use_regex", true, origin))
    fail(origin, "a ByteLevel pre_tokenizer without use_regex is not supported");
  config.add_prefix_space = bool_or(pre, "add_prefix_space", false, origin);
  std::vector<std::string> template_tokens;
  config.sequence_template = read_template(doc, origin, template_tokens);
  config.pad_token = read_pad_token(doc, config.vocab, origin);
  config.special_tokens = std::move(added);
  add_unlisted(template_tokens, config.special_tokens);
  return config;
}

// Normalizer and pre_tokenizer of a Unigram model as tokenizers writes a sentencepiece one:
// Precompiled (sentencepiece's compiled rules), optionally in a Sequence with a Replace of
// runs of spaces by one (sentencepiece's remove_extra_whitespaces), and Metaspace ("▁", a
// prefix space or not).
void read_sentencepiece_text_rules(const nlohmann::json& doc, const std::string& origin,
                                   SentencePieceModelSpec& spec) {
  spec.remove_extra_whitespaces = false;
  const auto read_one = [&](const nlohmann::json& normalizer) {
    if (!normalizer.is_object()) fail(origin, "a normalizer must be an object");
    const std::string kind = string_or(normalizer, "type", "", origin);
    if (kind == "Precompiled") {
      const std::string charsmap = string_or(normalizer, "precompiled_charsmap", "", origin);
      spec.precompiled_charsmap =
          detail::decode_base64(charsmap, origin + ": 'precompiled_charsmap'");
      return;
    }
    const bool collapses_spaces =
        kind == "Replace" && normalizer.contains("pattern") && normalizer["pattern"].is_object() &&
        string_or(normalizer["pattern"], "Regex", "", origin) == " {2,}" &&
        string_or(normalizer, "content", "", origin) == " ";
    if (!collapses_spaces) {
      fail(origin, fmt::format("normalizer '{}' is not supported with a Unigram model; "
                               "supported: Precompiled, and Replace of ' {{2,}}' by ' '",
                               kind == "Replace" ? normalizer.dump() : kind));
    }
    spec.remove_extra_whitespaces = true;
  };
  if (doc.contains("normalizer") && !doc["normalizer"].is_null()) {
    const auto& normalizer = doc["normalizer"];
    if (normalizer.is_object() && string_or(normalizer, "type", "", origin) == "Sequence") {
      if (!normalizer.contains("normalizers") || !normalizer["normalizers"].is_array())
        fail(origin, "a Sequence normalizer needs a list 'normalizers'");
      for (const auto& item : normalizer["normalizers"]) read_one(item);
    } else {
      read_one(normalizer);
    }
  }

  const auto& pre = doc.contains("pre_tokenizer") ? doc["pre_tokenizer"] : nlohmann::json();
  if (!pre.is_object() || string_or(pre, "type", "", origin) != "Metaspace")
    fail(origin, "a Unigram model needs the Metaspace pre_tokenizer");
  if (string_or(pre, "replacement", "\u2581", origin) != "\u2581")
    fail(origin, "a Metaspace pre_tokenizer whose replacement is not '\u2581' is not supported");
  spec.add_dummy_prefix = bool_or(pre, "add_prefix_space", true, origin);
  const std::string scheme = string_or(pre, "prepend_scheme", "", origin);
  if (scheme == "always" || scheme == "never") {
    spec.add_dummy_prefix = scheme == "always";
  } else if (!scheme.empty()) {
    fail(origin, fmt::format("Metaspace prepend_scheme '{}' is not supported; supported: "
                             "always, never",
                             scheme));
  }
}

// A Unigram model (tokenizers' conversion of a sentencepiece model, as XLM-R's
// tokenizer.json): rebuilt as a sentencepiece model in memory, so that sentencepiece itself
// normalises and encodes, with the ids of tokenizer.json. Added tokens outside the model's
// vocabulary become control pieces after it.
SentencePieceConfig unigram_from_json(const nlohmann::json& doc, const nlohmann::json& model,
                                      const std::string& origin) {
  using PieceType = SentencePieceModelSpec::PieceType;
  if (bool_or(model, "byte_fallback", false, origin))
    fail(origin, "a Unigram model with byte_fallback is not supported");
  if (!model.contains("vocab") || !model["vocab"].is_array() || model["vocab"].empty())
    fail(origin, "'model.vocab' must be a non-empty list of [piece, score]");
  SentencePieceModelSpec spec;
  for (const auto& entry : model["vocab"]) {
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number())
      fail(origin, fmt::format("vocabulary entry {} is not [piece, score]", spec.pieces.size()));
    auto text = entry[0].get<std::string>();
    if (text.empty() || !is_valid_utf8(text))
      fail(origin,
           fmt::format("vocabulary entry {} is empty or not valid UTF-8", spec.pieces.size()));
    spec.pieces.push_back({std::move(text), entry[1].get<float>(), PieceType::Normal});
  }
  const std::size_t model_size = spec.pieces.size();
  if (!model.contains("unk_id") || !model["unk_id"].is_number_unsigned() ||
      model["unk_id"].get<std::size_t>() >= model_size) {
    fail(origin, fmt::format("a Unigram model needs 'unk_id', the id of its unknown piece "
                             "(0 to {})",
                             model_size - 1));
  }

  SentencePieceConfig config;
  std::map<std::int64_t, std::string> beyond;  // added tokens after the model's vocabulary
  for_each_added_token(doc, origin, [&](const SpecialToken& token, const nlohmann::json& id) {
    if (!id.is_number_unsigned())
      fail(origin, fmt::format("token '{}' has no non-negative id", token.content));
    const auto value = id.get<std::int64_t>();
    if (static_cast<std::size_t>(value) < model_size) {
      auto& piece = spec.pieces[static_cast<std::size_t>(value)];
      if (piece.text != token.content)
        fail(origin,
             fmt::format("id {} is given to both '{}' and '{}'", value, piece.text, token.content));
      piece.type = PieceType::Control;
    } else if (!beyond.emplace(value, token.content).second) {
      fail(origin, fmt::format("id {} is given to two added tokens", value));
    }
    config.special_tokens.push_back(token);
  });
  for (const auto& [id, content] : beyond) {
    if (static_cast<std::size_t>(id) != spec.pieces.size())
      fail(origin, fmt::format("token ids must be 0..{} without gaps; {} is missing",
                               model_size + beyond.size() - 1, spec.pieces.size()));
    spec.pieces.push_back({content, 0.0F, PieceType::Control});
  }
  spec.pieces[model["unk_id"].get<std::size_t>()].type = PieceType::Unknown;
  read_sentencepiece_text_rules(doc, origin, spec);

  std::vector<std::string> template_tokens;
  config.sequence_template = read_template(doc, origin, template_tokens);
  add_unlisted(template_tokens, config.special_tokens);
  std::vector<std::string> texts;
  for (const auto& piece : spec.pieces) texts.push_back(piece.text);
  config.pad_token = read_pad_token(doc, texts, origin);
  config.serialized_model = serialize_model_proto(spec);
  config.origin = origin;
  config.numbering = SentencePieceConfig::Numbering::Model;
  config.tokenizer_class = "Unigram";
  return config;
}
}  // namespace

TokenizerJsonConfig parse_tokenizer_json(std::string_view text, const std::string& origin) {
  if (!is_valid_utf8(text)) decode_utf8(text, origin);  // throws with the byte offset
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    fail(origin, fmt::format("malformed JSON: {}", e.what()));
  }
  if (!doc.is_object()) fail(origin, "expected a JSON object");
  const auto& model = object_at(doc, "model", origin);
  const std::string type = string_or(model, "type", "", origin);
  if (type == "WordPiece") return wordpiece_from_json(doc, model, origin);
  if (type == "BPE") return byte_level_bpe_from_json(doc, model, origin);
  if (type == "Unigram") return unigram_from_json(doc, model, origin);
  fail(origin,
       fmt::format("model type '{}' is not supported; supported: WordPiece, BPE, Unigram", type));
}

std::unique_ptr<Tokenizer> tokenizer_from_json(std::string_view text, const std::string& origin) {
  auto config = parse_tokenizer_json(text, origin);
  // Its errors name `origin` already.
  if (auto* unigram = std::get_if<SentencePieceConfig>(&config))
    return std::make_unique<SentencePieceTokenizer>(std::move(*unigram));
  try {
    if (auto* wordpiece = std::get_if<WordPieceConfig>(&config))
      return std::make_unique<WordPieceTokenizer>(std::move(*wordpiece));
    return std::make_unique<ByteLevelBpeTokenizer>(std::get<ByteLevelBpeConfig>(std::move(config)));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", origin, e.what()));
  }
}

}  // namespace setfit::text
