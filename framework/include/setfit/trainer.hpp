#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "setfit/dataset.hpp"
#include "setfit/export.hpp"
#include "setfit/plugin.hpp"
#include "setfit/sentence_encoder.hpp"
#include "setfit/training_args.hpp"

namespace setfit {

class PluginRegistry;

// One logged value: the training loss every logging_steps, per stage.
struct MetricPoint {
  std::string stage;  // "embedding" or "classifier"
  std::int64_t step = 0;
  std::string key;
  double value = 0.0;
};

// Runs SetFit's two stages on a body and a head with one TrainingArguments, freezing and
// unfreezing by itself (setfit-semantics.md section 2):
// stage 1 trains the body on sampler pairs with the loss plugin (AdamW, linear warm-up and
// decay, gradient clipping at 1.0); stage 2 fits a non-differentiable head on embeddings
// computed once, or trains a differentiable head on cached embeddings, or, with
// end_to_end, head and body together. Parameters' requires_grad is restored afterwards.
class SETFIT_API Trainer {
 public:
  Trainer(std::shared_ptr<SentenceEncoder> body, std::shared_ptr<Head> head, TrainingArguments args,
          const PluginRegistry& registry, bool normalize_embeddings = false);
  ~Trainer();

  // Throws setfit::Error for data the stages cannot use and for a non-finite loss (naming
  // the stage and step).
  void train(const Dataset& data);
  const std::vector<MetricPoint>& history() const;
  const TrainingArguments& args() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace setfit
