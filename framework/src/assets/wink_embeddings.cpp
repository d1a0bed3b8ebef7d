// Streams a wink-embeddings JSON file ({"dimensions": D, "words": [...], "vectors":
// {word: [D values, l2 norm, index]}}, about 300 MB for GloVe 100-d) and writes a
// sentence-transformers WordEmbeddings model folder with the most frequent words.

#include <fmt/format.h>
#include <torch/types.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "../core/json_file.hpp"
#include "asset_builders.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/safetensors.hpp"

namespace fs = std::filesystem;

namespace setfit::assets {
namespace {

// SAX handler: keeps the first `limit` words of "words" and their vectors.
class WinkHandler final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit WinkHandler(std::int64_t limit) : limit_(limit) {}

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t v) override { return number(static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v)); }
  bool number_float(number_float_t v, const string_t&) override { return number(v); }
  bool binary(binary_t&) override { return scalar(); }

  bool string(string_t& value) override {
    if (depth_ == 2 && section_ == Section::Words) {
      if (static_cast<std::int64_t>(words_.size()) < limit_) {
        index_.emplace(value, words_.size());
        words_.push_back(value);
      }
      ++total_words_;
    }
    return scalar();
  }

  bool start_object(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_object() override {
    if (depth_ == 2) section_ = Section::Other;
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    if (depth_ == 2 && top_key_ == "words") section_ = Section::Words;
    if (depth_ == 3 && section_ == Section::Vectors) {
      auto it = index_.find(vector_key_);
      current_ = it == index_.end() ? -1 : static_cast<std::int64_t>(it->second);
      // Vectors before the word list (not the published layout): keep them all by word.
      collecting_ = current_ >= 0 || !words_seen_;
      values_.clear();
    }
    return true;
  }
  bool end_array() override {
    if (depth_ == 3 && section_ == Section::Vectors && collecting_) {
      if (current_ >= 0) {
        vectors_.emplace(current_, values_);
      } else {
        early_vectors_.emplace(vector_key_, values_);
      }
    }
    if (depth_ == 2 && section_ == Section::Words) {
      section_ = Section::Other;
      words_seen_ = true;
    }
    --depth_;
    return true;
  }
  bool key(string_t& value) override {
    if (depth_ == 1) {
      top_key_ = value;
      section_ = value == "vectors" ? Section::Vectors : Section::Other;
    } else if (depth_ == 2 && section_ == Section::Vectors) {
      vector_key_ = value;
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    throw Error(fmt::format("malformed JSON at byte {}: {}", position, e.what()));
  }

  std::int64_t dimensions = 0;
  const std::vector<std::string>& words() const { return words_; }
  // The vector of word `i` of the kept list, or nullptr.
  const std::vector<double>* vector_of(std::int64_t i) const {
    if (auto it = vectors_.find(i); it != vectors_.end()) return &it->second;
    auto early = early_vectors_.find(words_[static_cast<std::size_t>(i)]);
    return early == early_vectors_.end() ? nullptr : &early->second;
  }
  std::int64_t total_words() const { return total_words_; }

 private:
  enum class Section { Other, Words, Vectors };

  bool scalar() { return true; }
  bool number(double v) {
    if (depth_ == 1 && top_key_ == "dimensions") dimensions = static_cast<std::int64_t>(v);
    if (depth_ == 3 && section_ == Section::Vectors && collecting_) values_.push_back(v);
    return true;
  }

  std::int64_t limit_;
  int depth_ = 0;
  Section section_ = Section::Other;
  std::string top_key_, vector_key_;
  std::vector<std::string> words_;
  std::unordered_map<std::string, std::size_t> index_;
  std::unordered_map<std::int64_t, std::vector<double>> vectors_;
  std::unordered_map<std::string, std::vector<double>> early_vectors_;
  std::vector<double> values_;
  std::int64_t current_ = -1;
  bool collecting_ = false;
  bool words_seen_ = false;
  std::int64_t total_words_ = 0;
};

// The mean word vector of running text, estimated without a corpus: the package lists words
// by frequency, and Zipf's law makes the word of rank r appear with probability
// proportional to 1 / r. Row 0 (padding) does not count.
torch::Tensor expected_word_vector(const torch::Tensor& table) {
  const std::int64_t words = table.size(0) - 1;
  auto weights = 1.0 / torch::arange(1, words + 1, torch::kFloat64);
  weights /= weights.sum();
  return torch::matmul(weights, table.slice(0, 1).to(torch::kFloat64)).to(torch::kFloat32);
}

}  // namespace

void build_wink_embeddings_model(const fs::path& json_file, const fs::path& out_dir,
                                 std::int64_t vocab_size) {
  if (vocab_size <= 0) throw Error("the vocabulary size must be positive");
  std::ifstream in(json_file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot be opened", json_file.string()));
  WinkHandler handler(vocab_size);
  try {
    nlohmann::json::sax_parse(in, &handler);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", json_file.string(), e.what()));
  }
  const std::int64_t dim = handler.dimensions;
  if (dim <= 0) throw Error(fmt::format("{}: no positive \"dimensions\"", json_file.string()));
  const auto& words = handler.words();
  if (words.empty()) throw Error(fmt::format("{}: no \"words\"", json_file.string()));

  // Row 0 is sentence-transformers' zero padding token; word i is row i + 1.
  const auto rows = static_cast<std::int64_t>(words.size()) + 1;
  auto table = torch::zeros({rows, dim}, torch::kFloat32);
  auto accessor = table.accessor<float, 2>();
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(words.size()); ++i) {
    const std::vector<double>* vector = handler.vector_of(i);
    if (vector == nullptr || static_cast<std::int64_t>(vector->size()) < dim) {
      throw Error(fmt::format("{}: word '{}' has no {}-value vector", json_file.string(),
                              words[static_cast<std::size_t>(i)], dim));
    }
    for (std::int64_t d = 0; d < dim; ++d)
      accessor[i + 1][d] = static_cast<float>((*vector)[static_cast<std::size_t>(d)]);
  }
  std::vector<std::string> vocab;
  vocab.reserve(static_cast<std::size_t>(rows));
  vocab.push_back("PADDING_TOKEN");
  vocab.insert(vocab.end(), words.begin(), words.end());

  const fs::path module_dir = out_dir / "0_WordEmbeddings";
  fs::create_directories(module_dir);
  fs::create_directories(out_dir / "1_Pooling");
  detail::write_json_file(
      module_dir / "wordembedding_config.json",
      {{"tokenizer_class",
        "sentence_transformers.models.tokenizer.WhitespaceTokenizer.WhitespaceTokenizer"},
       {"update_embeddings", false},
       {"max_seq_length", 1000000}});
  // No stop words: "not" and "no" carry sentiment (sentence-transformers' default list drops them).
  detail::write_json_file(
      module_dir / "whitespacetokenizer_config.json",
      {{"vocab", vocab}, {"stop_words", nlohmann::json::array()}, {"do_lower_case", false}});
  write_safetensors(module_dir / "model.safetensors", {{"emb_layer.weight", table}});
  detail::write_json_file(out_dir / "1_Pooling" / "config.json",
                          {{"word_embedding_dimension", dim},
                           {"pooling_mode_cls_token", false},
                           {"pooling_mode_mean_tokens", true},
                           {"pooling_mode_max_tokens", false},
                           {"pooling_mode_mean_sqrt_len_tokens", false}});
  // The table stays frozen (10M parameters, and contrastive updates of the few words in a
  // few-shot set do not carry over to the rest); what stage 1 trains is a Dense(dim, tanh)
  // layer on top, initialised to the identity with the expected word vector as negative bias,
  // so that an untrained body is centred mean GloVe (up to the tanh). Without the centring
  // any two sentences have a cosine of about 0.8 and stage 1 spends its steps removing that
  // shared direction. docs/results.md compares the choices.
  const fs::path dense_dir = out_dir / "2_Dense";
  fs::create_directories(dense_dir);
  detail::write_json_file(dense_dir / "config.json",
                          {{"in_features", dim},
                           {"out_features", dim},
                           {"bias", true},
                           {"activation_function", "torch.nn.modules.activation.Tanh"}});
  write_safetensors(dense_dir / "model.safetensors",
                    {{"linear.weight", torch::eye(dim, torch::kFloat32)},
                     {"linear.bias", -expected_word_vector(table)}});
  detail::write_json_file(
      out_dir / "modules.json",
      nlohmann::json::array({{{"idx", 0},
                              {"name", "0"},
                              {"path", "0_WordEmbeddings"},
                              {"type", "sentence_transformers.models.WordEmbeddings"}},
                             {{"idx", 1},
                              {"name", "1"},
                              {"path", "1_Pooling"},
                              {"type", "sentence_transformers.models.Pooling"}},
                             {{"idx", 2},
                              {"name", "2"},
                              {"path", "2_Dense"},
                              {"type", "sentence_transformers.models.Dense"}}}));
  log::info("kept {} of {} words, {} dimensions", words.size(), handler.total_words(), dim);
}

}  // namespace setfit::assets
