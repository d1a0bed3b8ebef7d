// Builds the tokeniser of a Hugging Face model folder from tokenizer_config.json,
// special_tokens_map.json and vocab.txt (WordPiece) or vocab.json + merges.txt (byte-level
// BPE).

#include <fmt/format.h>

#include <algorithm>

#include "../core/json_file.hpp"
#include "byte_level_bpe.hpp"
#include "sentencepiece_tokenizer.hpp"
#include "setfit/errors.hpp"
#include "setfit/text.hpp"
#include "setfit/tokenizer.hpp"
#include "tokenizer_json.hpp"
#include "unicode.hpp"
#include "wordpiece_tokenizer.hpp"

namespace fs = std::filesystem;

namespace setfit {

namespace {

// A special token is a string or an AddedToken object {"content": ...}.
std::optional<std::string> special_token(const nlohmann::json& config, const char* key,
                                         const std::string& origin) {
  if (!config.is_object() || !config.contains(key) || config[key].is_null()) return std::nullopt;
  const auto& value = config[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  throw Error(
      fmt::format("{}: key '{}' must be a string or an object with \"content\"", origin, key));
}

// The same, with the AddedToken's lstrip and rstrip.
std::optional<text::SpecialToken> special_token_entry(const nlohmann::json& config, const char* key,
                                                      const std::string& origin) {
  auto content = special_token(config, key, origin);
  if (!content) return std::nullopt;
  text::SpecialToken token{*content};
  const auto& value = config[key];
  if (value.is_object()) {
    token.lstrip = detail::json_bool_or(value, "lstrip", false, origin);
    token.rstrip = detail::json_bool_or(value, "rstrip", false, origin);
  }
  return token;
}

// vocab.json: {"token": id, ...} with the ids 0 .. n-1, each once.
std::vector<std::string> read_bpe_vocab(const fs::path& file) {
  const auto json = detail::read_json_file(file);
  if (!json.is_object() || json.empty())
    throw Error(
        fmt::format("{}: not a vocabulary (expected an object of token: id)", file.string()));
  std::vector<std::string> vocab(json.size());
  std::vector<bool> seen(json.size(), false);
  for (const auto& [token, id] : json.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::int64_t>() >= static_cast<std::int64_t>(json.size())) {
      throw Error(fmt::format("{}: token '{}' has id {}; expected a whole number from 0 to {}",
                              file.string(), token, id.dump(), json.size() - 1));
    }
    const auto index = static_cast<std::size_t>(id.get<std::int64_t>());
    if (seen[index]) throw Error(fmt::format("{}: id {} is given twice", file.string(), index));
    seen[index] = true;
    vocab[index] = token;
  }
  return vocab;
}

// merges.txt: "#version: ..." then one "left right" merge per line, best first.
std::vector<std::pair<std::string, std::string>> read_merges(const fs::path& file) {
  const std::string text = detail::read_text_file(file);
  text::decode_utf8(text, file.string());  // throws naming the byte offset when invalid
  std::vector<std::pair<std::string, std::string>> merges;
  std::size_t start = 0, line = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view row(text.data() + start, end - start);
    start = end + 1;
    ++line;
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    if (row.empty() || (line == 1 && row.rfind("#version", 0) == 0)) continue;
    const std::size_t space = row.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 == row.size() ||
        row.find(' ', space + 1) != std::string_view::npos) {
      throw Error(fmt::format("{}:{}: expected two symbols separated by one space, got '{}'",
                              file.string(), line, printable_bytes(row)));
    }
    merges.emplace_back(std::string(row.substr(0, space)), std::string(row.substr(space + 1)));
  }
  return merges;
}

// RobertaTokenizer and relatives: vocab.json + merges.txt.
std::unique_ptr<Tokenizer> load_byte_level_bpe(const fs::path& dir, const nlohmann::json& config,
                                               const nlohmann::json& map, const std::string& origin,
                                               const std::string& map_origin,
                                               const std::string& tokenizer_class) {
  const fs::path vocab_file = dir / "vocab.json";
  const fs::path merges_file = dir / "merges.txt";
  text::ByteLevelBpeConfig bpe;
  bpe.vocab = read_bpe_vocab(vocab_file);
  bpe.merges = read_merges(merges_file);
  bpe.add_prefix_space = detail::json_bool_or(config, "add_prefix_space", false, origin);
  std::string cls_token = "<s>", sep_token = "</s>";
  std::vector<text::SpecialToken> specials;
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                          "cls_token", "mask_token"}) {
    // special_tokens_map.json wins over tokenizer_config.json, as in transformers.
    auto token = special_token_entry(map, key, map_origin);
    if (!token) token = special_token_entry(config, key, origin);
    if (!token) continue;
    const std::string_view name(key);
    if (name == "unk_token") bpe.unk_token = token->content;
    if (name == "pad_token") bpe.pad_token = token->content;
    if (name == "cls_token") cls_token = token->content;
    if (name == "sep_token") sep_token = token->content;
    const auto same = std::find_if(specials.begin(), specials.end(),
                                   [&](const auto& s) { return s.content == token->content; });
    if (same == specials.end()) specials.push_back(*token);
  }
  bpe.special_tokens = std::move(specials);
  bpe.sequence_template = text::SequenceTemplate::roberta(cls_token, sep_token);
  bpe.sequence_template.name = tokenizer_class;
  try {
    return std::make_unique<text::ByteLevelBpeTokenizer>(std::move(bpe));
  } catch (const Error& e) {
    throw Error(fmt::format("{} and {}: {}", vocab_file.string(), merges_file.string(), e.what()));
  }
}

// XLMRobertaTokenizer: a sentencepiece model file, and the special tokens' lstrip/rstrip.
std::unique_ptr<Tokenizer> load_sentencepiece(const fs::path& dir, const nlohmann::json& config,
                                              const nlohmann::json& map, const std::string& origin,
                                              const std::string& map_origin,
                                              const std::string& tokenizer_class) {
  text::SentencePieceConfig sp;
  sp.model_file = dir / "sentencepiece.bpe.model";
  sp.tokenizer_class = tokenizer_class;
  if (!fs::exists(sp.model_file))
    throw Error(fmt::format("{}: no such file (XLM-RoBERTa's sentencepiece model)",
                            sp.model_file.string()));
  // Its special tokens are fairseq's; a file may only change how they take spaces.
  for (const char* content : {"<s>", "<pad>", "</s>", "<unk>", "<mask>"})
    sp.special_tokens.push_back({content});
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                          "cls_token", "mask_token"}) {
    auto token = special_token_entry(map, key, map_origin);
    if (!token) token = special_token_entry(config, key, origin);
    if (!token) continue;
    for (auto& special : sp.special_tokens) {
      if (special.content == token->content) special = *token;
    }
  }
  return std::make_unique<text::SentencePieceTokenizer>(std::move(sp));
}

// The fast tokeniser's single file, which carries everything; `missing` names the original
// file that is absent, for the error when tokenizer.json is absent too.
std::unique_ptr<Tokenizer> from_tokenizer_json(const fs::path& dir, const std::string& missing) {
  const fs::path json_file = dir / "tokenizer.json";
  if (!fs::exists(json_file)) {
    throw Error(
        fmt::format("{}: no such file, and no tokenizer.json either (the tokeniser needs "
                    "its vocabulary)",
                    missing));
  }
  return text::tokenizer_from_json(detail::read_text_file(json_file), json_file.string());
}

std::vector<std::string> read_vocab(const fs::path& file) {
  std::string text = detail::read_text_file(file);
  if (!text::is_valid_utf8(text)) {
    text::decode_utf8(text, file.string());  // throws with the byte offset
  }
  std::vector<std::string> vocab;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    vocab.push_back(text.substr(start, end - start));  // transformers strips only "\n"
    start = end + 1;
  }
  if (vocab.empty()) throw Error(fmt::format("{}: the vocabulary is empty", file.string()));
  return vocab;
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& dir, std::string_view default_class) {
  const fs::path config_file = dir / "tokenizer_config.json";
  const fs::path map_file = dir / "special_tokens_map.json";
  const fs::path vocab_file = dir / "vocab.txt";
  nlohmann::json config =
      fs::exists(config_file) ? detail::read_json_file(config_file) : nlohmann::json::object();
  nlohmann::json map =
      fs::exists(map_file) ? detail::read_json_file(map_file) : nlohmann::json::object();
  const std::string origin = config_file.string();

  std::string tokenizer_class = detail::json_string_or(config, "tokenizer_class", "", origin);
  if (tokenizer_class.empty()) tokenizer_class = std::string(default_class);
  if (tokenizer_class.rfind("XLMRobertaTokenizer", 0) == 0) {
    if (fs::exists(dir / "sentencepiece.bpe.model") || !fs::exists(dir / "tokenizer.json"))
      return load_sentencepiece(dir, config, map, origin, map_file.string(), tokenizer_class);
    return from_tokenizer_json(dir, (dir / "sentencepiece.bpe.model").string());
  }
  if (tokenizer_class.rfind("RobertaTokenizer", 0) == 0) {
    if (fs::exists(dir / "vocab.json") || !fs::exists(dir / "tokenizer.json"))
      return load_byte_level_bpe(dir, config, map, origin, map_file.string(), tokenizer_class);
    return from_tokenizer_json(dir, (dir / "vocab.json").string());
  }
  const bool mpnet = tokenizer_class.rfind("MPNetTokenizer", 0) == 0;
  const bool bert = tokenizer_class.rfind("BertTokenizer", 0) == 0 ||
                    tokenizer_class.rfind("DistilBertTokenizer", 0) == 0 || tokenizer_class.empty();
  if (!mpnet && !bert) {
    throw Error(
        fmt::format("{}: tokenizer_class '{}' is not supported; supported: "
                    "BertTokenizer, DistilBertTokenizer, MPNetTokenizer, RobertaTokenizer, "
                    "XLMRobertaTokenizer (and their Fast variants)",
                    origin, tokenizer_class));
  }
  if (!fs::exists(vocab_file)) return from_tokenizer_json(dir, vocab_file.string());

  text::WordPieceConfig wp;
  wp.vocab = read_vocab(vocab_file);
  wp.do_lower_case = detail::json_bool_or(config, "do_lower_case", true, origin);
  if (config.contains("strip_accents") && !config["strip_accents"].is_null()) {
    wp.strip_accents = detail::json_bool_or(config, "strip_accents", false, origin);
  }
  wp.tokenize_chinese_chars = detail::json_bool_or(config, "tokenize_chinese_chars", true, origin);
  std::string cls_token = mpnet ? "<s>" : "[CLS]";
  std::string sep_token = mpnet ? "</s>" : "[SEP]";
  if (mpnet) {
    wp.unk_token = "[UNK]";
    wp.pad_token = "<pad>";
  }
  // special_tokens_map.json wins over tokenizer_config.json, as in transformers.
  std::vector<std::string> specials;
  for (const char* key : {"unk_token", "cls_token", "sep_token", "pad_token", "mask_token",
                          "bos_token", "eos_token"}) {
    auto value = special_token(map, key, map_file.string());
    if (!value) value = special_token(config, key, origin);
    if (!value) continue;
    if (std::string_view(key) == "unk_token") wp.unk_token = *value;
    if (std::string_view(key) == "cls_token") cls_token = *value;
    if (std::string_view(key) == "sep_token") sep_token = *value;
    if (std::string_view(key) == "pad_token") wp.pad_token = *value;
    specials.push_back(*value);
  }
  for (const auto& t : {wp.unk_token, cls_token, sep_token, wp.pad_token}) specials.push_back(t);
  wp.sequence_template = mpnet ? text::SequenceTemplate::roberta(cls_token, sep_token)
                               : text::SequenceTemplate::bert(cls_token, sep_token);
  wp.sequence_template.name = tokenizer_class;  // what `model info` shows
  std::sort(specials.begin(), specials.end());
  specials.erase(std::unique(specials.begin(), specials.end()), specials.end());
  wp.special_tokens = std::move(specials);

  try {
    return std::make_unique<text::WordPieceTokenizer>(std::move(wp));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", vocab_file.string(), e.what()));
  }
}

}  // namespace setfit
