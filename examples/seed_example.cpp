// The seed's "new version" example in C++: one TrainingArguments with per-stage pairs,
// one train(), and the trainer handles every freeze itself.
//
//   seed_example MODEL_DIR
//
// Python SetFit equivalent:
//   model = SetFitModel.from_pretrained(MODEL_DIR, use_differentiable_head=True,
//                                       head_params={"out_features": 2})
//   args = TrainingArguments(batch_size=(16, 2), num_epochs=(1, 16),
//                            body_learning_rate=(2e-5, 1e-5), head_learning_rate=1e-2,
//                            end_to_end=True, loss=CosineSimilarityLoss)
//   trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=eval,
//                     metric="accuracy")
//   trainer.train()
//   print(trainer.evaluate())

#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "setfit/dataset.hpp"
#include "setfit/model.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/trainer.hpp"

namespace {

setfit::Dataset reviews(const std::vector<std::pair<const char*, int>>& rows) {
  setfit::Dataset data;
  data.label_names = {"negative", "positive"};
  for (const auto& [text, label] : rows) {
    data.texts.emplace_back(text);
    data.labels.push_back({label});
  }
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR\n", argv[0]);
    return 2;
  }
  try {
    setfit::PluginRegistry registry;  // the built-in losses, heads and samplers
    registry.load_directories(setfit::PluginRegistry::search_path({}));

    setfit::ModelOptions options;
    options.head = "linear";  // a differentiable head
    options.head_params = {{"out_features", std::int64_t{2}}};
    auto model = setfit::Model::from_pretrained(argv[1], registry, options);

    setfit::TrainingArguments args;
    args.batch_size = {16, 2};
    args.num_epochs = {1, 16};
    args.body_learning_rate = {2e-5, 1e-5};
    args.head_learning_rate = 1e-2;
    args.end_to_end = true;
    args.loss = "CosineSimilarityLoss";

    const auto train = reviews({{"terrible acting", 0},
                                {"the movie was great", 1},
                                {"a boring plot", 0},
                                {"i loved this film", 1},
                                {"i hated this film", 0},
                                {"wonderful story", 1},
                                {"what a waste", 0},
                                {"really amazing", 1}});
    const auto eval = reviews({{"an awful film", 0}, {"a great story", 1}});

    setfit::Trainer trainer(model, args, registry, setfit::EvalOptions{{"accuracy"}, ""});
    trainer.train(train, &eval);
    for (const auto& [name, value] : trainer.evaluate(eval))
      fmt::print("{}: {:.4f}\n", name, value);
    const auto labels = model->predict({"i loved the plot", "a waste of time"});
    fmt::print("predictions: {}, {}\n", labels[0], labels[1]);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
