#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "setfit/dataset.hpp"

namespace setfit::test {

// Eight short reviews, four per label: enough for the tiny golden models to train on.
inline Dataset tiny_sentiment() {
  Dataset data;
  data.label_names = {"negative", "positive"};
  const std::vector<std::string> negative = {"terrible acting", "a boring plot",
                                             "i hated this film", "what a waste"};
  const std::vector<std::string> positive = {"the movie was great", "i loved this film",
                                             "wonderful story", "really amazing"};
  for (std::size_t i = 0; i < negative.size(); ++i) {
    data.texts.push_back(negative[i]);
    data.labels.push_back({0});
    data.texts.push_back(positive[i]);
    data.labels.push_back({1});
  }
  return data;
}

// The same eight reviews as a JSONL file with labels "neg" and "pos", for CLI runs.
inline void write_tiny_reviews(const std::filesystem::path& file) {
  const char* rows[] = {"terrible acting", "a boring plot",       "i hated this film",
                        "what a waste",    "the movie was great", "i loved this film",
                        "wonderful story", "really amazing"};
  std::ofstream out(file);
  for (int i = 0; i < 8; ++i)
    out << "{\"text\": \"" << rows[i] << "\", \"label\": \"" << (i < 4 ? "neg" : "pos") << "\"}\n";
}

// A sweep file DIR/NAME.toml over the reviews (written to DIR/train.jsonl, also the test
// set) on `body`: stage 1 once, stage 2 twice, batch size 8, the given [grid] lines and seeds.
inline std::filesystem::path write_tiny_sweep(const std::filesystem::path& dir,
                                              const std::string& name,
                                              const std::filesystem::path& body,
                                              const std::string& grid,
                                              const std::string& seeds = "[0, 1]") {
  write_tiny_reviews(dir / "train.jsonl");
  const auto file = dir / (name + ".toml");
  std::ofstream(file) << "[sweep]\nname = \"" << name << "\"\nseeds = " << seeds << "\n"
                      << "[data]\ntrain = \"train.jsonl\"\ntest = \"train.jsonl\"\n"
                      << "[model]\nbody = \"" << body.string()
                      << "\"\n[args]\nnum_epochs = [1, 2]\nbatch_size = 8\n"
                      << "body_learning_rate = 1e-3\n[grid]\n"
                      << grid << "\n";
  return file;
}

// Multi-label: topics "film", "music", "food"; some texts have two.
inline Dataset tiny_topics() {
  Dataset data;
  data.multi_label = true;
  data.label_names = {"film", "food", "music"};
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> rows = {
      {"the movie was great", {0}},
      {"a boring plot", {0}},
      {"the soup was cold", {1}},
      {"fresh bread and cheese", {1}},
      {"a loud concert", {2}},
      {"the band played well", {2}},
      {"a film about a chef", {0, 1}},
      {"the soundtrack of the movie", {0, 2}},
      {"dinner with live music", {1, 2}},
      {"songs about pizza", {1, 2}},
      {"an actor who sings", {0, 2}},
      {"the cinema sells popcorn", {0, 1}}};
  for (const auto& [text, labels] : rows) {
    data.texts.push_back(text);
    data.labels.push_back(labels);
  }
  return data;
}

}  // namespace setfit::test
