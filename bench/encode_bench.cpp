// bench/encode: throughput of a MiniLM-sized random BERT (random_minilm.hpp) at batch 32, and of
// the WordPiece tokeniser, with 1 and 2 threads. Reports how much tokenisation and batching add to
// the bare forward passes. Not a test: run it by hand (see bench/README.md).
// `bench_encode --write-model DIR` only writes the model folder (for bench/startup).
//
// Texts: ../shared/data/sst2/train.jsonl beside the checkout when present (it is not on a
// user's machine), otherwise synthetic sentences; the output says which.

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <numeric>

#include "random_minilm.hpp"
#include "setfit/runtime.hpp"
#include "setfit/sentence_encoder.hpp"

using namespace bench;

int main(int argc, char** argv) {
  setfit::runtime::configure_allocator();  // as the CLI does
  if (argc == 3 && std::string(argv[1]) == "--write-model") {
    // Only the model folder, for benchmarks of the CLI (bench/startup_bench.sh).
    std::string source;
    write_model(argv[2], build_vocab(load_texts("", source)));
    return 0;
  }
  const fs::path data = argc > 1 ? fs::path(argv[1]) : fs::path("../shared/data/sst2/train.jsonl");
  const std::size_t limit = argc > 2 ? std::stoul(argv[2]) : 2048;
  std::string source;
  auto all_texts = load_texts(data, source);
  const fs::path dir = fs::temp_directory_path() / "setfit-bench-minilm";
  write_model(dir, build_vocab(all_texts));
  auto encoder = setfit::SentenceEncoder::load(dir);
  std::vector<std::string> texts(all_texts.begin(),
                                 all_texts.begin() + std::min(limit, all_texts.size()));
  std::size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  fmt::print(
      "texts: {} from {} ({:.2f} MB)\nmodel: random BERT {}x{} ({} heads, FFN {}), vocab {}, "
      "max_seq_length {}, batch {}\n\n",
      texts.size(), source, bytes / 1e6, kLayers, kHidden, kHeads, kIntermediate, kVocab, kMaxSeq,
      kBatch);

  // Tokeniser alone (single-threaded by design).
  const auto& tokenizer = encoder->tokenizer();
  std::size_t tokens = 0;
  auto start = Clock::now();
  int rounds = 0;
  while (seconds_since(start) < 2.0) {
    for (const auto& t : all_texts) tokens += tokenizer.encode(t, kMaxSeq).ids.size();
    ++rounds;
  }
  std::size_t all_bytes = 0;
  for (const auto& t : all_texts) all_bytes += t.size();
  const double tok_seconds = seconds_since(start);
  fmt::print("tokeniser: {:.2f} MB/s, {:.0f} texts/s, {:.0f} tokens/s\n\n",
             rounds * all_bytes / 1e6 / tok_seconds, rounds * all_texts.size() / tok_seconds,
             tokens / tok_seconds);

  // Pre-tokenised batches of similar length, the way encode() forms them.
  std::vector<setfit::Encoding> encodings;
  for (const auto& t : texts) encodings.push_back(tokenizer.encode(t, kMaxSeq));
  std::vector<std::size_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
    return encodings[a].ids.size() > encodings[b].ids.size();
  });
  std::vector<std::pair<torch::Tensor, torch::Tensor>> batches;
  for (std::size_t s = 0; s < order.size(); s += kBatch) {
    const std::size_t e = std::min(order.size(), s + kBatch);
    const auto length = static_cast<int64_t>(encodings[order[s]].ids.size());
    auto ids = torch::zeros({static_cast<int64_t>(e - s), length}, torch::kLong);
    auto mask = torch::zeros_like(ids);
    for (std::size_t i = s; i < e; ++i) {
      const auto& enc = encodings[order[i]];
      for (std::size_t c = 0; c < enc.ids.size(); ++c) {
        ids[static_cast<int64_t>(i - s)][static_cast<int64_t>(c)] = enc.ids[c];
        mask[static_cast<int64_t>(i - s)][static_cast<int64_t>(c)] = 1;
      }
    }
    batches.emplace_back(ids, mask);
  }

  fmt::print("{:>7} {:>14} {:>14} {:>12} {:>10} {:>14} {:>10} {:>12}\n", "threads", "bare fwd s",
             "encode() s", "sentences/s", "overhead", "bf16 encode s", "bf16/fp32", "min cosine");
  setfit::EncodeOptions fp32_options, bf16_options;
  fp32_options.batch_size = bf16_options.batch_size = kBatch;
  bf16_options.precision = setfit::Precision::Bf16;
  const bool native = setfit::resolve_precision(setfit::Precision::Auto) == setfit::Precision::Bf16;
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    torch::NoGradGuard no_grad;
    encoder->train(false);
    const std::vector<std::string> warm(texts.begin(),
                                        texts.begin() + std::min<std::size_t>(64, texts.size()));
    encoder->encode(warm);
    if (native) encoder->encode(warm, bf16_options);
    double best_bare = 1e9, best_full = 1e9, best_bf16 = 1e9, min_cosine = 1.0;
    for (int repeat = 0; repeat < 3; ++repeat) {
      start = Clock::now();
      for (auto& [ids, mask] : batches)
        encoder->pool(encoder->token_embeddings(ids, mask, torch::zeros_like(ids)), mask);
      best_bare = std::min(best_bare, seconds_since(start));
      start = Clock::now();
      const auto fp32 = encoder->encode(texts, fp32_options);
      best_full = std::min(best_full, seconds_since(start));
      if (!native) continue;
      start = Clock::now();
      const auto bf16 = encoder->encode(texts, bf16_options);
      best_bf16 = std::min(best_bf16, seconds_since(start));
      min_cosine = torch::nn::functional::cosine_similarity(
                       bf16, fp32, torch::nn::functional::CosineSimilarityFuncOptions().dim(1))
                       .min()
                       .item<double>();
    }
    if (native) {
      fmt::print("{:>7} {:>14.3f} {:>14.3f} {:>12.0f} {:>9.1f}% {:>14.3f} {:>9.2f}x {:>12.6f}\n",
                 threads, best_bare, best_full, texts.size() / best_full,
                 100.0 * (best_full - best_bare) / best_bare, best_bf16, best_full / best_bf16,
                 min_cosine);
    } else {
      fmt::print("{:>7} {:>14.3f} {:>14.3f} {:>12.0f} {:>9.1f}% {:>14} {:>10} {:>12}\n", threads,
                 best_bare, best_full, texts.size() / best_full,
                 100.0 * (best_full - best_bare) / best_bare, "(no native bf16)", "-", "-");
    }
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  fmt::print("\npeak resident memory: {:.0f} MB\n", usage.ru_maxrss / 1024.0);
  fs::remove_all(dir);
  return 0;
}
