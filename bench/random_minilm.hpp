#pragma once

// A MiniLM-sized random BERT written to a folder (6 layers, hidden 384, 12 heads,
// intermediate 1536, vocab 30,522, max_seq_length 128), and the texts benchmarks run on:
// ../shared/data/sst2/train.jsonl beside the checkout when present (it is not on a user's
// machine), otherwise synthetic sentences; `source` says which.

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "setfit/safetensors.hpp"

namespace bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kLayers = 6, kHidden = 384, kHeads = 12, kIntermediate = 1536, kVocab = 30522;
constexpr int kMaxSeq = 128, kBatch = 32;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline std::vector<std::string> load_texts(const fs::path& data, std::string& source) {
  std::vector<std::string> texts;
  std::ifstream in(data);
  std::string line;
  while (std::getline(in, line))
    texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
  if (!texts.empty()) {
    source = data.string();
    return texts;
  }
  source = fmt::format("synthetic sentences ({} not found)", data.string());
  std::mt19937 rng(7);
  const std::vector<std::string> words = {
      "the",    "movie", "was",  "great", "and",    "i",   "loved", "it", "terrible", "acting",
      "boring", "plot",  "film", "story", "really", "not", "a",     "of", "to",       "with"};
  for (int i = 0; i < 4000; ++i) {
    std::string text;
    const int n = 5 + static_cast<int>(rng() % 30);
    for (int w = 0; w < n; ++w) text += words[rng() % words.size()] + (w + 1 < n ? " " : " .");
    texts.push_back(text);
  }
  return texts;
}

// Vocabulary: specials, characters and their ## forms, then the corpus's most frequent
// lower-cased words, filled up to 30,522 with synthetic pieces.
inline std::vector<std::string> build_vocab(const std::vector<std::string>& texts) {
  std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (char c = 33; c < 127; ++c) {
    if (c >= 'A' && c <= 'Z') continue;
    vocab.emplace_back(1, c);
    vocab.push_back(std::string("##") + c);
  }
  std::map<std::string, int> counts;
  for (const auto& text : texts) {
    std::string word;
    for (char c : text + " ") {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else {
        if (word.size() > 1) ++counts[word];
        word.clear();
      }
    }
  }
  std::vector<std::pair<int, std::string>> ranked;
  for (auto& [w, n] : counts) ranked.emplace_back(-n, w);
  std::sort(ranked.begin(), ranked.end());
  for (auto& [n, w] : ranked) {
    if (vocab.size() >= kVocab) break;
    vocab.push_back(w);
  }
  for (int i = 0; vocab.size() < kVocab; ++i) vocab.push_back(fmt::format("##piece{}", i));
  return vocab;
}

inline void write_model(const fs::path& dir, const std::vector<std::string>& vocab) {
  fs::create_directories(dir / "1_Pooling");
  auto json = [&](const fs::path& file, const nlohmann::json& j) {
    std::ofstream(file) << j.dump(2);
  };
  json(dir / "config.json", {{"model_type", "bert"},
                             {"vocab_size", kVocab},
                             {"hidden_size", kHidden},
                             {"num_hidden_layers", kLayers},
                             {"num_attention_heads", kHeads},
                             {"intermediate_size", kIntermediate},
                             {"hidden_act", "gelu"},
                             {"max_position_embeddings", 512},
                             {"type_vocab_size", 2},
                             {"layer_norm_eps", 1e-12}});
  json(dir / "tokenizer_config.json",
       {{"tokenizer_class", "BertTokenizer"}, {"do_lower_case", true}});
  json(dir / "sentence_bert_config.json", {{"max_seq_length", kMaxSeq}, {"do_lower_case", false}});
  json(dir / "1_Pooling/config.json",
       {{"word_embedding_dimension", kHidden}, {"pooling_mode_mean_tokens", true}});
  json(dir / "modules.json",
       nlohmann::json::array({{{"idx", 0},
                               {"name", "0"},
                               {"path", ""},
                               {"type", "sentence_transformers.models.Transformer"}},
                              {{"idx", 1},
                               {"name", "1"},
                               {"path", "1_Pooling"},
                               {"type", "sentence_transformers.models.Pooling"}}}));
  std::ofstream out(dir / "vocab.txt");
  for (const auto& token : vocab) out << token << "\n";
  out.close();

  torch::manual_seed(0);
  std::vector<std::pair<std::string, at::Tensor>> w;
  auto add = [&](const std::string& name, std::vector<int64_t> shape) {
    w.emplace_back(name, torch::randn(shape) * 0.02);
  };
  auto norm = [&](const std::string& prefix) {
    w.emplace_back(prefix + ".weight", torch::ones({kHidden}));
    w.emplace_back(prefix + ".bias", torch::zeros({kHidden}));
  };
  add("embeddings.word_embeddings.weight", {kVocab, kHidden});
  add("embeddings.position_embeddings.weight", {512, kHidden});
  add("embeddings.token_type_embeddings.weight", {2, kHidden});
  norm("embeddings.LayerNorm");
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = fmt::format("encoder.layer.{}.", l);
    for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense"}) {
      add(p + m + ".weight", {kHidden, kHidden});
      add(p + m + ".bias", {kHidden});
    }
    norm(p + "attention.output.LayerNorm");
    add(p + "intermediate.dense.weight", {kIntermediate, kHidden});
    add(p + "intermediate.dense.bias", {kIntermediate});
    add(p + "output.dense.weight", {kHidden, kIntermediate});
    add(p + "output.dense.bias", {kHidden});
    norm(p + "output.LayerNorm");
  }
  add("pooler.dense.weight", {kHidden, kHidden});
  add("pooler.dense.bias", {kHidden});
  setfit::write_safetensors(dir / "model.safetensors", w);
}

}  // namespace bench
