#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "setfit/dataset.hpp"
#include "setfit/export.hpp"
#include "setfit/model.hpp"
#include "setfit/records.hpp"
#include "setfit/training_args.hpp"

namespace setfit {

class PluginRegistry;

// Which task metrics evaluation computes.
struct EvalOptions {
  std::vector<std::string> metrics = {"accuracy"};
  // f1/precision/recall averaging; empty: "binary" for two classes, "macro" for more,
  // "micro" for multi-label data.
  std::string average;
};

// Where training is, for progress displays.
struct TrainProgress {
  Stage stage = Stage::Embedding;
  std::int64_t step = 0;   // steps done
  std::int64_t total = 0;  // steps in the stage (0 when it has no steps, e.g. a fitted head)
  double loss = 0.0;       // the last step's loss
};

// Runs SetFit's two stages on a Model with one TrainingArguments, freezing and
// unfreezing by itself, as SetFit does:
// stage 1 trains the body on sampler pairs with the loss plugin (AdamW, linear warm-up and
// decay, gradient clipping at 1.0); stage 2 fits a non-differentiable head on embeddings
// computed once, or trains a differentiable head on cached embeddings, or, with
// end_to_end, head and body together. Parameters' requires_grad is restored afterwards.
// With an eval set and eval_strategy, both stages evaluate the task metric during
// training, which early stopping, load_best_model_at_end and checkpoints use.
class SETFIT_API Trainer {
 public:
  // The registry creates the loss and sampler plugins and must outlive train().
  Trainer(std::shared_ptr<Model> model, TrainingArguments args, const PluginRegistry& registry,
          EvalOptions eval = {});
  ~Trainer();

  // Called after every optimisation step and at each stage's start and end.
  void on_progress(std::function<void(const TrainProgress&)> callback);

  // Throws setfit::Error for data the stages cannot use and for a non-finite loss (naming
  // the stage and step). `eval` (optional) is used for evaluation during training.
  void train(const Dataset& train, const Dataset* eval = nullptr);
  // The two stages on their own; train() is exactly train_embedding() then
  // train_classifier(). A sweep that shares stage 1 between runs trains the body once,
  // then restores it (and the random generator's state) before each run's stage 2.
  // train_embedding() starts a new history; train_classifier() appends to it.
  void train_embedding(const Dataset& train, const Dataset* eval = nullptr);
  void train_classifier(const Dataset& train, const Dataset* eval = nullptr);
  // The task metrics of the trained model on `data` (encoded with max_length).
  std::map<std::string, double> evaluate(const Dataset& data);
  // The same from embeddings of `data` already computed by this model's current body (as
  // Model::encode gives them): runs that share a body and leave it unchanged in stage 2
  // encode a test set once.
  std::map<std::string, double> evaluate_embeddings(const at::Tensor& embeddings,
                                                    const Dataset& data);

  const std::vector<MetricPoint>& history() const;
  const TrainingArguments& args() const;
  std::shared_ptr<Model> model() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace setfit
