// bench/train: the trainer's speed. Stage 1 pairs per second and stage 2 time (the
// logistic_regression head fitted once; the linear head trained 16 epochs on cached
// embeddings) for the MiniLM-sized random BERT and the GloVe body, at 1 and 2 threads; the
// BERT also with use_amp (bf16 autocast) where the CPU has native bf16.
// Setting: 8 examples per label of sst2 (two labels), num_iterations 20 (640 pairs),
// batch 16, 1 epoch, CosineSimilarityLoss. The GloVe body is made trainable here (a
// Dense layer as in the default body would be; see docs/results.md). Not a test: run it
// by hand (see bench/README.md).
//
//   bench_train [SST2_TRAIN_JSONL]
//
// Texts: ../shared/data/sst2/train.jsonl beside the checkout when present, otherwise
// synthetic sentences with alternating labels; the output says which. The GloVe body
// comes from the asset cache (`setfit fetch glove-100d`); it is skipped with a message
// when absent.

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include "random_minilm.hpp"
#include "setfit/assets.hpp"
#include "setfit/dataset.hpp"
#include "setfit/log.hpp"
#include "setfit/model.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/runtime.hpp"
#include "setfit/trainer.hpp"

using namespace bench;

namespace {

setfit::Dataset few_shot_data(const fs::path& file, std::string& source) {
  if (fs::exists(file)) {
    source = file.string();
    return setfit::sample_few_shot(setfit::load_dataset(file), 8, 0);
  }
  setfit::Dataset data;
  data.label_names = {"0", "1"};
  std::string unused;
  const auto texts = load_texts(file, unused);
  source = "synthetic sentences (" + file.string() + " not found)";
  for (std::size_t i = 0; i < 16; ++i) {
    data.texts.push_back(texts[i]);
    data.labels.push_back({static_cast<std::int64_t>(i % 2)});
  }
  return data;
}

struct Timing {
  double stage_one_seconds = 0, stage_two_seconds = 0;
  std::int64_t steps = 0;
};

// One training run, timed through the progress callback: stage 1 from its first to its
// last step report, stage 2 from its first report to the end of train().
Timing time_training(const fs::path& body, const std::string& head, double body_lr, bool use_amp,
                     const setfit::Dataset& data, const setfit::PluginRegistry& registry,
                     bool dedupe = false) {
  setfit::ModelOptions options;
  options.head = head;
  auto model = setfit::Model::from_pretrained(body, registry, options);
  setfit::TrainingArguments args;
  args.num_iterations = 20;
  args.batch_size = {16, 2};
  args.num_epochs = {1, 16};
  args.body_learning_rate = {body_lr, 1e-5};
  args.seed = 0;
  args.use_amp = use_amp;
  args.dedupe_pair_texts = dedupe;
  setfit::Trainer trainer(model, args, registry);
  Timing timing;
  Clock::time_point stage_one_start{}, stage_one_end{}, stage_two_start{};
  trainer.on_progress([&](const setfit::TrainProgress& p) {
    const auto now = Clock::now();
    if (p.stage == setfit::Stage::Embedding) {
      if (p.step == 0) stage_one_start = now;
      stage_one_end = now;
      timing.steps = p.step;
    } else if (stage_two_start == Clock::time_point{}) {
      stage_two_start = now;
    }
  });
  trainer.train(data);
  const auto end = Clock::now();
  timing.stage_one_seconds = std::chrono::duration<double>(stage_one_end - stage_one_start).count();
  timing.stage_two_seconds = std::chrono::duration<double>(end - stage_two_start).count();
  return timing;
}

}  // namespace

int main(int argc, char** argv) {
  setfit::log::set_level(setfit::log::Level::Warn);
  // --peak-memory: only the MiniLM-sized body, fp32, 1 thread, then the process's peak RSS
  // (what stage 1 needs, the body and the data loaded).
  const bool peak_memory = argc > 2 && std::string(argv[2]) == "--peak-memory";
  const fs::path file = argc > 1 ? fs::path(argv[1]) : fs::path("../shared/data/sst2/train.jsonl");
  std::string source;
  const auto data = few_shot_data(file, source);
  setfit::PluginRegistry registry;
  registry.load_directories({setfit::PluginRegistry::builtin_dir()});

  std::vector<std::pair<std::string, fs::path>> bodies;
  std::string unused;
  const fs::path minilm = fs::temp_directory_path() / "setfit-bench-train-minilm";
  write_model(minilm, build_vocab(load_texts(file, unused)));
  bodies.emplace_back("MiniLM-sized random BERT", minilm);
  const auto glove = peak_memory ? fs::path() : setfit::assets::cached("glove-100d", {});
  if (!glove.empty()) {
    // The default GloVe table is frozen: give the copy a trainable Dense layer on top.
    bodies.emplace_back("GloVe 100d (default body)", glove);
  } else {
    if (!peak_memory)
      fmt::print("GloVe body skipped: not in the cache (run: setfit fetch glove-100d)\n");
  }
  fmt::print("data: 16 examples (8 per label) from {}; 640 pairs, batch 16, 1 epoch\n\n", source);
  fmt::print("{:<32} {:>9} {:>7} {:>8} {:>12} {:>16} {:>14}\n", "body", "precision", "threads",
             "steps", "pairs/s", "stage 2 logreg s", "stage 2 linear s");
  for (const auto& [name, dir] : bodies) {
    const double lr = name.rfind("GloVe", 0) == 0 ? 1e-3 : 2e-5;
    for (int threads : {1, 2}) {
      if (peak_memory && threads > 1) break;
      at::set_num_threads(threads);
      if (!peak_memory) {
        // Warm-up: load the body and run one forward pass at this thread count.
        auto warm = setfit::Model::from_pretrained(dir, registry);
        warm->encode(data.texts);
      }
      const auto logreg = time_training(dir, "logistic_regression", lr, false, data, registry);
      if (peak_memory) {
        struct rusage usage {};
        getrusage(RUSAGE_SELF, &usage);
        fmt::print("{}: fp32, 1 thread, {:.1f} pairs/s; peak resident memory {:.0f} MB\n", name,
                   static_cast<double>(logreg.steps) * 16 / logreg.stage_one_seconds,
                   usage.ru_maxrss / 1024.0);
        break;
      }
      const auto linear = time_training(dir, "linear", lr, false, data, registry);
      const auto row = [&](const char* precision, const Timing& t, const std::string& linear_s) {
        fmt::print("{:<32} {:>9} {:>7} {:>8} {:>12.1f} {:>16.3f} {:>14}\n", name, precision,
                   threads, t.steps, static_cast<double>(t.steps) * 16 / t.stage_one_seconds,
                   t.stage_two_seconds, linear_s);
      };
      row("fp32", logreg, fmt::format("{:.3f}", linear.stage_two_seconds));
      if (name.rfind("GloVe", 0) == 0) continue;
      const auto run = [&](bool use_amp, bool dedupe) {
        return time_training(dir, "logistic_regression", lr, use_amp, data, registry, dedupe);
      };
      // dedupe_pair_texts: 16 examples, so a batch of 16 pairs has at most 16 distinct texts.
      row("fp32 dedup", run(false, true), "-");
      if (setfit::runtime::cpu_has_native_bf16()) {
        row("bf16 amp", run(true, false), "-");
        row("amp dedup", run(true, true), "-");
      }
    }
  }
  fs::remove_all(minilm);
  return 0;
}
