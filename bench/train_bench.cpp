// bench/train: the trainer's speed. Stage 1 pairs per second and stage 2 time (the
// logistic_regression head fitted once; the linear head trained 16 epochs on cached
// embeddings) for the MiniLM-sized random BERT and the GloVe body, at 1 and 2 threads; the
// BERT also with use_amp (bf16 autocast) where the CPU has native bf16.
// Setting: 8 examples per label of sst2 (two labels), num_iterations 20 (640 pairs),
// batch 16, 1 epoch, CosineSimilarityLoss. The GloVe body is made trainable here (a
// Dense layer as in the default body would be; see docs/results.md). Not a test: run it
// by hand (see bench/README.md).
//
//   bench_train [SST2_TRAIN_JSONL] [--peak-memory [fp32|dedup|amp|amp-dedup]]
//   bench_train SST2_TRAIN_JSONL --token-ids FILE   (input of bench/python_stage1.py)
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
#include "setfit/tokenizer.hpp"
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

// The best rate of one fp32 or bf16 GEMM the size of the body's feed-forward input
// ([512 tokens x 384] x [384 x 1536]), GFLOP/s at the current thread count.
double gemm_peak_gflops(torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  const std::int64_t m = 512, k = kHidden, n = kIntermediate;
  auto a = torch::randn({m, k}).to(dtype);
  auto b = torch::randn({k, n}).to(dtype);
  double best = 0;
  for (int round = 0; round < 20; ++round) {
    const auto start = Clock::now();
    auto c = torch::mm(a, b);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::max(best, 2.0 * m * k * n / seconds / 1e9);
  }
  return best;
}

// Matmul FLOPs of one stage-1 step of the MiniLM-sized body on `tokens` real tokens: the
// projections and feed-forward of every layer (attention's own products are under 2% at
// these lengths and left out), forward once and backward twice (inputs and weights).
double step_matmul_flops(double tokens) {
  const double per_token_layer = 2.0 * (4.0 * kHidden * kHidden + 2.0 * kHidden * kIntermediate);
  return 3.0 * tokens * per_token_layer * kLayers;
}

}  // namespace

int main(int argc, char** argv) {
  setfit::log::set_level(setfit::log::Level::Warn);
  // --peak-memory [fp32|dedup|amp|amp-dedup]: only the MiniLM-sized body, 1 thread, one
  // setting (default fp32), then the process's peak RSS (what stage 1 needs, the body and the
  // data loaded). One setting per process: the peak is the process's.
  const bool peak_memory = argc > 2 && std::string(argv[2]) == "--peak-memory";
  const std::string memory_setting = peak_memory && argc > 3 ? argv[3] : "fp32";
  if (memory_setting != "fp32" && memory_setting != "dedup" && memory_setting != "amp" &&
      memory_setting != "amp-dedup") {
    fmt::print(stderr, "--peak-memory takes fp32, dedup, amp or amp-dedup, not '{}'\n",
               memory_setting);
    return 2;
  }
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
  // The 16 examples' token ids: written out for bench/python_stage1.py with --token-ids, else
  // their mean length, for the GEMM share (a step of 16 pairs encodes 32 texts drawn from
  // them, so about 32 times this many tokens; an estimate: the sampler's draws are not seen).
  std::vector<std::vector<std::int64_t>> token_ids;
  {
    auto tokenizer = setfit::load_tokenizer(minilm);
    for (const auto& text : data.texts) token_ids.push_back(tokenizer->encode(text, kMaxSeq).ids);
  }
  if (argc > 3 && std::string(argv[2]) == "--token-ids") {
    nlohmann::json labels = nlohmann::json::array();
    for (const auto& label : data.labels) labels.push_back(label.front());
    std::ofstream(argv[3]) << nlohmann::json{{"ids", token_ids}, {"labels", labels}}.dump();
    fs::remove_all(minilm);
    return 0;
  }
  double mean_tokens = 0;
  for (const auto& ids : token_ids) mean_tokens += static_cast<double>(ids.size());
  mean_tokens /= static_cast<double>(token_ids.size());
  if (!peak_memory)
    fmt::print(
        "MiniLM-sized body: {:.1f} tokens per text; the GEMM share is the step's matmul "
        "rate (estimated from 32 texts per step) over one large GEMM's at the same "
        "precision and thread count\n",
        mean_tokens);
  fmt::print("{:<32} {:>9} {:>7} {:>8} {:>12} {:>16} {:>14} {:>11}\n", "body", "precision",
             "threads", "steps", "pairs/s", "stage 2 logreg s", "stage 2 linear s", "GEMM share");
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
      if (peak_memory) {
        const bool amp = memory_setting.rfind("amp", 0) == 0;
        const bool dedupe = memory_setting.find("dedup") != std::string::npos;
        const auto t = time_training(dir, "logistic_regression", lr, amp, data, registry, dedupe);
        struct rusage usage {};
        getrusage(RUSAGE_SELF, &usage);
        fmt::print("{}: {}, 1 thread, {:.1f} pairs/s; peak resident memory {:.0f} MB\n", name,
                   memory_setting, static_cast<double>(t.steps) * 16 / t.stage_one_seconds,
                   usage.ru_maxrss / 1024.0);
        break;
      }
      const auto logreg = time_training(dir, "logistic_regression", lr, false, data, registry);
      const auto linear = time_training(dir, "linear", lr, false, data, registry);
      const bool transformer = name.rfind("GloVe", 0) != 0;
      const double fp32_peak = transformer ? gemm_peak_gflops(torch::kFloat32) : 0;
      const double bf16_peak = transformer && setfit::runtime::cpu_has_native_bf16()
                                   ? gemm_peak_gflops(torch::kBFloat16)
                                   : 0;
      // `peak` 0: no share (GloVe, or dedup rows whose texts per step are not known here).
      const auto row = [&](const char* precision, const Timing& t, const std::string& linear_s,
                           double peak) {
        const double step_seconds = t.stage_one_seconds / static_cast<double>(t.steps);
        const std::string share =
            peak > 0 ? fmt::format("{:.0f}%", 100.0 * step_matmul_flops(32 * mean_tokens) /
                                                  step_seconds / 1e9 / peak)
                     : "-";
        fmt::print("{:<32} {:>9} {:>7} {:>8} {:>12.1f} {:>16.3f} {:>14} {:>11}\n", name, precision,
                   threads, t.steps, static_cast<double>(t.steps) * 16 / t.stage_one_seconds,
                   t.stage_two_seconds, linear_s, share);
      };
      row("fp32", logreg, fmt::format("{:.3f}", linear.stage_two_seconds), fp32_peak);
      if (!transformer) continue;
      const auto run = [&](bool use_amp, bool dedupe) {
        return time_training(dir, "logistic_regression", lr, use_amp, data, registry, dedupe);
      };
      // dedupe_pair_texts: 16 examples, so a batch of 16 pairs has at most 16 distinct texts.
      row("fp32 dedup", run(false, true), "-", 0);
      if (setfit::runtime::cpu_has_native_bf16()) {
        row("bf16 amp", run(true, false), "-", bf16_peak);
        row("amp dedup", run(true, true), "-", 0);
      }
    }
  }
  fs::remove_all(minilm);
  return 0;
}
