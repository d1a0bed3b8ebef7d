// Builds the tokeniser of a Hugging Face model folder from tokenizer_config.json,
// special_tokens_map.json and vocab.txt.

#include <fmt/format.h>

#include "../core/json_file.hpp"
#include "setfit/errors.hpp"
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
  const bool mpnet = tokenizer_class.rfind("MPNetTokenizer", 0) == 0;
  const bool bert = tokenizer_class.rfind("BertTokenizer", 0) == 0 ||
                    tokenizer_class.rfind("DistilBertTokenizer", 0) == 0 || tokenizer_class.empty();
  if (!mpnet && !bert) {
    throw Error(
        fmt::format("{}: tokenizer_class '{}' is not supported; supported: "
                    "BertTokenizer, MPNetTokenizer (and their Fast variants)",
                    origin, tokenizer_class));
  }
  if (!fs::exists(vocab_file)) {
    // The fast tokeniser's single file carries everything.
    const fs::path json_file = dir / "tokenizer.json";
    if (!fs::exists(json_file)) {
      throw Error(
          fmt::format("{}: no such file, and no tokenizer.json either (a WordPiece "
                      "tokeniser needs its vocabulary)",
                      vocab_file.string()));
    }
    auto parsed = text::parse_tokenizer_json(detail::read_text_file(json_file), json_file.string());
    try {
      return std::make_unique<text::WordPieceTokenizer>(std::move(parsed));
    } catch (const Error& e) {
      throw Error(fmt::format("{}: {}", json_file.string(), e.what()));
    }
  }

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
