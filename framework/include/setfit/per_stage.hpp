#pragma once

#include <string_view>

namespace setfit {

// SetFit's two stages: contrastive fine-tuning of the body, then the classification head.
enum class Stage { Embedding, Classifier };

constexpr std::string_view to_string(Stage stage) {
  return stage == Stage::Embedding ? "embedding" : "classifier";
}

// A setting with one value per stage. A single value broadcasts to both stages,
// whatever its type (SetFit broadcasts only ints for sizes and floats for rates).
template <typename T>
struct PerStage {
  T embedding{};
  T classifier{};

  constexpr PerStage() = default;
  constexpr PerStage(T both) : embedding(both), classifier(both) {}  // NOLINT: broadcast on purpose
  constexpr PerStage(T embedding_value, T classifier_value)
      : embedding(embedding_value), classifier(classifier_value) {}

  constexpr const T& operator[](Stage stage) const {
    return stage == Stage::Embedding ? embedding : classifier;
  }
  constexpr T& operator[](Stage stage) {
    return stage == Stage::Embedding ? embedding : classifier;
  }
  constexpr bool operator==(const PerStage&) const = default;
};

}  // namespace setfit
