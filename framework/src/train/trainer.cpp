#include "setfit/trainer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "../core/cpu_autocast.hpp"
#include "../core/torch_device.hpp"
#include "fused_adamw.hpp"
#include "output_dir.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/metrics.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/runtime.hpp"
#include "setfit/stage_one_plugins.hpp"
#include "stage_monitor.hpp"

namespace setfit {
namespace {

// Drops every gradient rather than zeroing it: backward then hands its buffer over instead
// of adding it to zeros (a transformer's word-embedding gradient alone is tens of MB).
// Clipping and AdamW skip a parameter without a gradient where they would update one with
// zeros; a step's backward pass reaches the same parameters every time here, so the updates
// are the same.
void clear_gradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

// Remembers every parameter's requires_grad and puts it back on destruction, so freezing
// for a stage never overwrites what the user had chosen.
class RequiresGradGuard {
 public:
  explicit RequiresGradGuard(std::vector<torch::Tensor> params) : params_(std::move(params)) {
    for (const auto& p : params_) saved_.push_back(p.requires_grad());
  }
  ~RequiresGradGuard() {
    for (std::size_t i = 0; i < params_.size(); ++i) params_[i].set_requires_grad(saved_[i]);
  }
  void freeze() {
    for (auto& p : params_) p.set_requires_grad(false);
  }

 private:
  std::vector<torch::Tensor> params_;
  std::vector<bool> saved_;
};

// Linear warm-up over ceil(total * proportion) steps, then linear decay to 0.
double warmup_linear(std::int64_t step, std::int64_t total, double proportion) {
  const auto warmup = static_cast<std::int64_t>(std::ceil(static_cast<double>(total) * proportion));
  if (step < warmup)
    return static_cast<double>(step) / static_cast<double>(std::max<std::int64_t>(1, warmup));
  return std::max(0.0, static_cast<double>(total - step) /
                           static_cast<double>(std::max<std::int64_t>(1, total - warmup)));
}

// `loss_name`: the loss plugin or head whose value it is, named in the message.
void check_finite(const torch::Tensor& loss, Stage stage, std::int64_t step,
                  const std::string& loss_name) {
  const double value = loss.item<double>();
  if (!std::isfinite(value)) {
    throw TrainingDiverged(
        fmt::format("the {} stage diverged at step {}: {} returned {} (lower the learning rate, "
                    "or check that plugin's maths with `setfit plugins check FILE "
                    "--conformance`)",
                    to_string(stage), step, loss_name, value),
        std::string(to_string(stage)), step);
  }
}

// Clones of tensors, to restore the best state at the end of a stage.
std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors) out.push_back(t.detach().clone());
  return out;
}

void restore(const std::vector<torch::Tensor>& tensors, const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < tensors.size(); ++i) tensors[i].copy_(saved[i]);
}

}  // namespace

struct Trainer::Impl {
  std::shared_ptr<Model> model;
  TrainingArguments args;
  const PluginRegistry& registry;
  EvalOptions eval_options;
  std::function<void(const TrainProgress&)> progress;
  std::vector<MetricPoint> history;

  // Set for the duration of a stage call.
  const Dataset* train_data = nullptr;
  const Dataset* eval_data = nullptr;
  struct DataScope;
  void check_data(const Dataset& data, const Dataset* eval) const;

  SentenceEncoder& body() { return *model->body(); }
  // Where the body (and a differentiable head) computes: every tensor the trainer makes for
  // them goes there. Heads fitted on fixed embeddings get CPU tensors.
  torch::Device device() const { return detail::torch_device(model->device()); }

  // use_amp, where the CPU multiplies bf16 natively.
  bool mixed_precision = false;

  // The body's forward pass while training: with use_amp under bf16 autocast (the matmuls;
  // weights, gradients and optimizer state stay float32); losses and heads get float32.
  torch::Tensor embed(const std::vector<std::string>& texts, std::size_t max_length = 0) {
    if (!mixed_precision) return body().embed(texts, max_length);
    detail::CpuAutocastScope autocast;
    return body().embed(texts, max_length).to(torch::kFloat32);
  }

  // The two sides of pairs [start, end): all in one forward pass, or, with
  // dedupe_pair_texts, every distinct text once and its rows reused by each pair naming it.
  std::pair<torch::Tensor, torch::Tensor> embed_pairs(const Dataset& data,
                                                      const std::vector<SamplePair>& pairs,
                                                      std::size_t start, std::size_t end) {
    const auto text = [&](std::int64_t index) -> const std::string& {
      return data.texts[static_cast<std::size_t>(index)];
    };
    if (!args.dedupe_pair_texts) {
      // Both sides in one forward pass, first sides then second sides: every row is its own
      // sequence with its own dropout draws, as in two passes, but each parameter gets one
      // gradient rather than two that the backward pass adds up (a transient copy of every
      // gradient: stage 1's peak memory, bench/README.md), and the matmuls are twice as tall.
      std::vector<std::string> both;
      both.reserve(2 * (end - start));
      for (std::size_t k = start; k < end; ++k) both.push_back(text(pairs[k].first));
      for (std::size_t k = start; k < end; ++k) both.push_back(text(pairs[k].second));
      const auto embedded = embed(both);
      const auto n = static_cast<std::int64_t>(end - start);
      return {embedded.narrow(0, 0, n), embedded.narrow(0, n, n)};
    }
    std::map<std::int64_t, std::int64_t> row_of;  // example index -> row in `distinct`
    std::vector<std::string> distinct;
    std::vector<std::int64_t> first_rows, second_rows;
    const auto row = [&](std::int64_t example) {
      const auto [it, added] = row_of.emplace(example, static_cast<std::int64_t>(distinct.size()));
      if (added) distinct.push_back(text(example));
      return it->second;
    };
    for (std::size_t k = start; k < end; ++k) {
      first_rows.push_back(row(pairs[k].first));
      second_rows.push_back(row(pairs[k].second));
    }
    const auto embedded = embed(distinct);
    return {embedded.index_select(0, torch::tensor(first_rows).to(embedded.device())),
            embedded.index_select(0, torch::tensor(second_rows).to(embedded.device()))};
  }

  void report(Stage stage, std::int64_t step, std::int64_t total, double loss) {
    if (progress) progress({stage, step, total, loss});
  }

  void log_loss(Stage stage, std::int64_t step, double value) {
    if (step % args.logging_steps == 0)
      history.push_back({std::string(to_string(stage)), step, "loss", value});
  }

  void log_eval(Stage stage, std::int64_t step, const std::map<std::string, double>& metrics) {
    std::string line;
    for (const auto& [key, value] : metrics) {
      history.push_back({std::string(to_string(stage)), step, "eval_" + key, value});
      line += fmt::format(" {} {:.4f}", key, value);
    }
    log::info("{} stage, step {}: eval{}", to_string(stage), step, line);
  }

  // The targets a head trains on: class indices [N], or 0/1 indicators [N, K] for
  // multi-label models.
  torch::Tensor head_targets(const Dataset& data) const {
    if (!model->multi_label()) {
      std::vector<std::int64_t> labels;
      for (std::size_t i = 0; i < data.size(); ++i) {
        if (data.labels[i].size() != 1) {
          throw Error(fmt::format(
              "example {} has {} labels: multi-label data needs [model] multi_target_strategy "
              "(one-vs-rest, multi-output or classifier-chain)",
              i, data.labels[i].size()));
        }
        labels.push_back(data.labels[i][0]);
      }
      return torch::tensor(labels, torch::kLong);
    }
    auto targets = torch::zeros({static_cast<std::int64_t>(data.size()),
                                 static_cast<std::int64_t>(data.label_names.size())});
    for (std::size_t i = 0; i < data.size(); ++i) {
      for (auto l : data.labels[i]) targets[static_cast<std::int64_t>(i)][l] = 1.0f;
    }
    return targets;
  }

  // Task metrics from probabilities [N, C] against `data`'s labels.
  std::map<std::string, double> metrics_from_proba(const torch::Tensor& proba,
                                                   const Dataset& data) const {
    const std::size_t classes = data.label_names.size();
    if (model->multi_label()) {
      auto chosen = (proba >= 0.5).to(torch::kCPU, torch::kUInt8).contiguous();
      std::vector<std::vector<std::uint8_t>> truth(data.size()), predicted(data.size());
      for (std::size_t i = 0; i < data.size(); ++i) {
        truth[i].assign(classes, 0);
        for (auto l : data.labels[i]) truth[i][static_cast<std::size_t>(l)] = 1;
        const auto* row = chosen.data_ptr<std::uint8_t>() + i * classes;
        predicted[i].assign(row, row + classes);
      }
      return compute_multi_label_metrics(
          truth, predicted, eval_options.metrics,
          eval_options.average.empty() ? "micro" : eval_options.average);
    }
    auto best = proba.argmax(1).to(torch::kCPU).contiguous();
    std::vector<std::int64_t> predicted(best.data_ptr<std::int64_t>(),
                                        best.data_ptr<std::int64_t>() + best.numel());
    std::vector<std::int64_t> truth;
    for (const auto& l : data.labels) truth.push_back(l.front());
    return compute_metrics(
        truth, predicted, classes, eval_options.metrics,
        eval_options.average.empty() ? default_average(classes) : eval_options.average);
  }

  // Embeddings for fitting a head (`evaluation` false) or for evaluating one, which under
  // use_amp runs in bf16 as training does; heads are fitted on fp32 embeddings.
  torch::Tensor embeddings_of(const std::vector<std::string>& texts, bool evaluation = false) {
    EncodeOptions options;
    if (args.max_length) options.max_length = static_cast<std::size_t>(*args.max_length);
    if (evaluation && mixed_precision) options.precision = Precision::Bf16;
    return model->encode(texts, options);
  }

  // Fits a fresh non-differentiable head on the current body: stage 1's evaluations and
  // checkpoints use it.
  void fit_head_on_current_body() {
    model->initialize_head(train_data->label_names);
    model->head()->fit(embeddings_of(train_data->texts), head_targets(*train_data));
  }

  // Body parameters in two AdamW groups: decayed, and biases / LayerNorm weights.
  std::vector<torch::optim::OptimizerParamGroup> body_groups(double lr, double decay) {
    std::vector<torch::Tensor> decayed, plain;
    for (auto& [name, p] : body().named_parameters()) {
      if (!p.requires_grad()) continue;
      (name.find("bias") != std::string::npos || name.find("LayerNorm") != std::string::npos
           ? plain
           : decayed)
          .push_back(p);
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    if (!decayed.empty()) {
      groups.emplace_back(decayed,
                          std::make_unique<torch::optim::AdamWOptions>(
                              torch::optim::AdamWOptions(lr).weight_decay(decay).eps(1e-8)));
    }
    if (!plain.empty()) {
      groups.emplace_back(plain, std::make_unique<torch::optim::AdamWOptions>(
                                     torch::optim::AdamWOptions(lr).weight_decay(0.0).eps(1e-8)));
    }
    return groups;
  }

  // What stage 1 needs to evaluate: the eval set's pairs (or batches) for the embedding
  // loss, capped so that evaluation stays cheap.
  struct StageOneEval {
    std::vector<SamplePair> pairs;
    std::vector<std::vector<std::int64_t>> batches;
  };
  static constexpr std::int64_t kEvalPairCap = 1024;

  StageOneEval prepare_stage_one_eval(Loss& loss, Sampler& sampler, SamplingRequest request) {
    StageOneEval out;
    if (eval_data == nullptr || args.eval_strategy == "no") return out;
    request.labels = eval_data->labels;
    request.max_pairs = kEvalPairCap;
    try {
      if (loss.input() == LossInput::LabelledBatch) {
        out.batches = sampler.batches(request);
        if (out.batches.size() > 64) out.batches.resize(64);
      } else {
        out.pairs = sampler.sample(request);
        if (loss.input() == LossInput::PositivePairs)
          std::erase_if(out.pairs, [](const SamplePair& p) { return p.target < 0.5f; });
      }
    } catch (const Error& e) {
      log::warn("no embedding loss on the eval set: {}", e.what());
    }
    return out;
  }

  // Stage 1's evaluation: the loss on eval pairs, and the task metrics of a head fitted on
  // the current body (non-differentiable heads; a differentiable one trains only in stage 2).
  std::map<std::string, double> evaluate_stage_one(Loss& loss, const StageOneEval& eval) {
    std::map<std::string, double> metrics;
    body().train(false);
    {
      torch::NoGradGuard no_grad;
      double sum = 0;
      std::size_t count = 0;
      const auto batch = static_cast<std::size_t>(args.batch_size.embedding);
      for (std::size_t start = 0; start < eval.pairs.size(); start += batch) {
        std::vector<std::string> first, second;
        std::vector<float> targets;
        for (std::size_t k = start; k < std::min(eval.pairs.size(), start + batch); ++k) {
          first.push_back(eval_data->texts[static_cast<std::size_t>(eval.pairs[k].first)]);
          second.push_back(eval_data->texts[static_cast<std::size_t>(eval.pairs[k].second)]);
          targets.push_back(eval.pairs[k].target);
        }
        sum += loss.forward(embed(first), embed(second), torch::tensor(targets).to(device()))
                   .item<double>();
        ++count;
      }
      for (const auto& indices : eval.batches) {
        std::vector<std::string> texts;
        std::vector<std::int64_t> labels;
        for (auto i : indices) {
          texts.push_back(eval_data->texts[static_cast<std::size_t>(i)]);
          labels.push_back(eval_data->labels[static_cast<std::size_t>(i)].front());
        }
        sum += loss.forward(embed(texts), torch::Tensor(),
                            torch::tensor(labels, torch::kLong).to(device()))
                   .item<double>();
        ++count;
      }
      if (count > 0) metrics["embedding_loss"] = sum / static_cast<double>(count);
    }
    if (!model->head_differentiable()) {
      fit_head_on_current_body();
      torch::NoGradGuard no_grad;
      for (auto& [key, value] : metrics_from_proba(
               model->head()->predict_proba(embeddings_of(eval_data->texts, true)), *eval_data))
        metrics[key] = value;
    }
    body().train(true);
    return metrics;
  }

  void save_checkpoint(Stage stage, std::int64_t step) {
    const auto dir = std::filesystem::path(args.output_dir) /
                     fmt::format("checkpoint-{}-{}", to_string(stage), step);
    if (stage == Stage::Embedding) {
      // A stage-1 checkpoint holds the body and a head: a fitted one for heads that are
      // fitted, the initial weights of a differentiable one (it trains in stage 2).
      const bool training = body().is_training();
      body().train(false);
      if (!model->head_differentiable())
        fit_head_on_current_body();
      else if (!model->head_ready())
        model->initialize_head(train_data->label_names);
      body().train(training);
    }
    model->save_pretrained(dir);
    log::info("checkpoint saved to {}", dir.string());
  }

  // Stage 1's optimisation, shared by the pair and batch paths: AdamW over the trainable
  // body parameters, linear warm-up and decay, gradient clipping at 1.0, loss logging,
  // evaluation, checkpoints, early stopping and the best state.
  class StageOneOptimizer {
   public:
    StageOneOptimizer(Impl& impl, std::int64_t total, Loss& loss, StageOneEval eval)
        : impl_(impl),
          total_(total),
          loss_(loss),
          eval_(std::move(eval)),
          monitor_(impl.args, impl.eval_data != nullptr) {
      auto groups = impl.body_groups(impl.args.body_learning_rate.embedding, impl.args.l2_weight);
      if (groups.empty()) {
        log::warn("stage 1 (embedding) skipped: the body has no trainable parameters");
        return;
      }
      for (auto& g : groups)
        trainable_.insert(trainable_.end(), g.params().begin(), g.params().end());
      optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups));
      impl.body().train(true);
      impl.report(Stage::Embedding, 0, total_, 0.0);
    }
    bool ready() const { return optimizer_ != nullptr; }
    bool done() const { return step_ >= total_ || stopped_; }
    // One optimisation step on a batch's loss.
    void apply(const torch::Tensor& loss) {
      check_finite(loss, Stage::Embedding, step_, fmt::format("loss {}", impl_.args.loss));
      const double rate = impl_.args.body_learning_rate.embedding *
                          warmup_linear(step_, total_, impl_.args.warmup_proportion);
      for (auto& group : optimizer_->param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(rate);
      }
      clear_gradients(*optimizer_);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(trainable_, 1.0);
      detail::fused_adamw_step(*optimizer_);
      const double value = loss.item<double>();
      impl_.log_loss(Stage::Embedding, step_, value);
      ++step_;
      impl_.report(Stage::Embedding, step_, total_, value);
      after(false);
    }
    void end_epoch() { after(true); }
    // Puts back the best state when load_best_model_at_end asks for it.
    void finish() {
      if (!best_.empty() && impl_.args.load_best_model_at_end) {
        restore(trainable_, best_);
        log::info("stage 1: restored the best body ({} {:.4f})", monitor_.metric(),
                  monitor_.best());
      }
      impl_.body().train(false);
    }

   private:
    void after(bool epoch_end) {
      if (monitor_.evaluate_now(step_, epoch_end)) {
        auto metrics = impl_.evaluate_stage_one(loss_, eval_);
        impl_.log_eval(Stage::Embedding, step_, metrics);
        if (monitor_.record(metrics) && impl_.args.load_best_model_at_end)
          best_ = snapshot(trainable_);
        if (monitor_.should_stop()) {
          log::info("stage 1: early stop at step {}: no {} improvement in {} evaluations", step_,
                    monitor_.metric(), impl_.args.early_stopping_patience);
          stopped_ = true;
        }
      }
      if (monitor_.save_now(step_, epoch_end)) impl_.save_checkpoint(Stage::Embedding, step_);
    }

    Impl& impl_;
    std::int64_t total_;
    Loss& loss_;
    StageOneEval eval_;
    detail::StageMonitor monitor_;
    std::int64_t step_ = 0;
    bool stopped_ = false;
    std::vector<torch::Tensor> trainable_;
    std::vector<torch::Tensor> best_;
    std::unique_ptr<torch::optim::AdamW> optimizer_;
  };

  // num_iterations = R asks for 2 * R * n pairs; refuse what cannot fit in a quarter of the
  // machine's memory before the sampler tries (it would die in std::bad_alloc).
  static void check_pair_budget(std::int64_t num_iterations, std::size_t examples,
                                std::int64_t max_pairs) {
    if (num_iterations <= 0) return;
    double pairs = 2.0 * static_cast<double>(num_iterations) * static_cast<double>(examples);
    if (max_pairs > 0) pairs = std::min(pairs, static_cast<double>(max_pairs));
    const double budget = static_cast<double>(runtime::physical_memory_bytes()) / 4.0 /
                          static_cast<double>(sizeof(SamplePair));
    if (pairs > budget) {
      throw Error(fmt::format(
          "key 'num_iterations': {} iterations over {} examples ask for {:.3g} pairs, more than "
          "the {:.3g} that fit in a quarter of this machine's memory; lower num_iterations (or "
          "cap the pairs with max_steps)",
          num_iterations, examples, pairs, budget));
    }
  }

  void train_embedding(const Dataset& data) {
    const std::int64_t epochs = args.num_epochs.embedding;
    if (epochs == 0) {
      log::info("stage 1 (embedding) skipped: num_epochs[0] = 0");
      return;
    }
    if (body().info().architecture == "WordEmbeddings" &&
        args.body_learning_rate.embedding < 1e-4) {
      log::warn(
          "body_learning_rate[0] = {} is a transformer's rate; a static word-embedding body barely "
          "moves at it in a few-shot run (1e-3 to 1e-2 work, see docs/results.md)",
          args.body_learning_rate.embedding);
    }
    const StageOnePlugins plugins = resolve_stage_one_plugins(args, registry);
    auto loss = registry.create_loss(plugins.loss, plugins.loss_params.values());
    auto sampler = registry.create_sampler(plugins.sampler, plugins.sampler_params.values());
    SamplingRequest request;
    request.labels = data.labels;
    request.num_iterations = args.num_iterations.value_or(0);
    request.max_pairs = args.max_steps > 0 ? args.max_steps * args.batch_size.embedding : -1;
    check_pair_budget(request.num_iterations, data.labels.size(), request.max_pairs);
    request.seed = static_cast<std::uint64_t>(args.seed);
    request.batch_size = args.batch_size.embedding;
    if (loss->input() == LossInput::LabelledBatch) {
      if (data.multi_label) throw Error(fmt::format("loss {} needs single-label data", args.loss));
      // Batch losses need label-grouped batches (SetFit means to, but never does).
      if (plugins.sampler_replaced) {
        log::info(
            "loss {} needs label-grouped batches: using the group_by_label sampler instead of {}",
            args.loss, args.sampling_strategy);
      }
      train_on_batches(data, *loss, *sampler, request);
      return;
    }
    std::vector<SamplePair> pairs;
    try {
      pairs = sampler->sample(request);
    } catch (const std::bad_alloc&) {
      throw Error(
          fmt::format("sampler {} ran out of memory drawing pairs for {} examples; lower "
                      "num_iterations or max_steps",
                      plugins.sampler, data.labels.size()));
    }
    if (loss->input() == LossInput::PositivePairs) {
      std::erase_if(pairs, [](const SamplePair& p) { return p.target < 0.5f; });
    }
    if (pairs.empty()) throw Error("stage 1 has no pairs to train on");

    const auto batch = static_cast<std::size_t>(args.batch_size.embedding);
    const auto steps_per_epoch = static_cast<std::int64_t>((pairs.size() + batch - 1) / batch);
    std::int64_t total = steps_per_epoch * epochs;
    if (args.max_steps > 0) total = std::min(total, args.max_steps);

    StageOneOptimizer optimizer(*this, total, *loss,
                                prepare_stage_one_eval(*loss, *sampler, request));
    if (!optimizer.ready()) return;
    std::mt19937_64 rng(static_cast<std::uint64_t>(args.seed));
    log::info("stage 1 (embedding): {} pairs, {} steps, loss {}, sampler {}", pairs.size(), total,
              args.loss, plugins.sampler);
    for (std::int64_t epoch = 0; epoch < epochs && !optimizer.done(); ++epoch) {
      std::shuffle(pairs.begin(), pairs.end(), rng);
      for (std::size_t start = 0; start < pairs.size() && !optimizer.done(); start += batch) {
        const std::size_t end = std::min(pairs.size(), start + batch);
        std::vector<float> targets;
        for (std::size_t k = start; k < end; ++k) targets.push_back(pairs[k].target);
        const auto [a, b] = embed_pairs(data, pairs, start, end);
        optimizer.apply(loss->forward(a, b, torch::tensor(targets).to(device())));
      }
      if (!optimizer.done() || epoch + 1 == epochs) optimizer.end_epoch();
    }
    optimizer.finish();
  }

  // Stage 1 for LabelledBatch losses: each step embeds one label-grouped batch.
  void train_on_batches(const Dataset& data, Loss& loss, Sampler& sampler,
                        SamplingRequest request) {
    const std::int64_t epochs = args.num_epochs.embedding;
    auto first = sampler.batches(request);
    if (first.empty()) throw Error("stage 1 has no batches to train on");
    std::int64_t total = static_cast<std::int64_t>(first.size()) * epochs;
    if (args.max_steps > 0) total = std::min(total, args.max_steps);
    StageOneOptimizer optimizer(*this, total, loss, prepare_stage_one_eval(loss, sampler, request));
    if (!optimizer.ready()) return;
    log::info("stage 1 (embedding): {} label-grouped batches per epoch, {} steps, loss {}",
              first.size(), total, args.loss);
    for (std::int64_t epoch = 0; epoch < epochs && !optimizer.done(); ++epoch) {
      request.seed = static_cast<std::uint64_t>(args.seed) + static_cast<std::uint64_t>(epoch);
      auto batches = epoch == 0 ? first : sampler.batches(request);
      for (const auto& batch : batches) {
        if (optimizer.done()) break;
        std::vector<std::string> texts;
        std::vector<std::int64_t> batch_labels;
        for (auto i : batch) {
          texts.push_back(data.texts[static_cast<std::size_t>(i)]);
          batch_labels.push_back(data.labels[static_cast<std::size_t>(i)].front());
        }
        optimizer.apply(loss.forward(embed(texts), torch::Tensor(),
                                     torch::tensor(batch_labels, torch::kLong).to(device())));
      }
      if (!optimizer.done() || epoch + 1 == epochs) optimizer.end_epoch();
    }
    optimizer.finish();
  }

  void train_classifier(const Dataset& data) {
    auto targets = head_targets(data);
    model->initialize_head(data.label_names);
    auto& head = *model->head();
    if (!head.differentiable()) {
      log::info("stage 2 (classifier): fitting the head on {} embeddings", data.size());
      report(Stage::Classifier, 0, 0, 0.0);
      head.fit(embeddings_of(data.texts), targets);
      report(Stage::Classifier, 0, 0, 0.0);
      if (args.save_strategy != "no") save_checkpoint(Stage::Classifier, 0);
      return;
    }
    targets = targets.to(device());  // a differentiable head trains on the body's device
    const std::int64_t epochs = args.num_epochs.classifier;
    const auto batch = static_cast<std::size_t>(args.batch_size.classifier);
    std::vector<std::size_t> order(data.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(static_cast<std::uint64_t>(args.seed) + 1);

    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(
        head.parameters(),
        std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(args.head_learning_rate).weight_decay(args.l2_weight)));
    std::vector<torch::Tensor> trained = head.parameters();
    torch::Tensor cached, cached_eval;
    if (args.end_to_end) {
      // SetFit's stage 2 decays every body parameter alike: one group.
      std::vector<torch::Tensor> trainable;
      for (auto& p : body().parameters()) {
        if (p.requires_grad()) trainable.push_back(p);
      }
      trained.insert(trained.end(), trainable.begin(), trainable.end());
      groups.emplace_back(trainable,
                          std::make_unique<torch::optim::AdamWOptions>(
                              torch::optim::AdamWOptions(args.body_learning_rate.classifier)
                                  .weight_decay(args.l2_weight)));
    } else {
      cached = embeddings_of(data.texts).to(device());  // the body is frozen: encode once
      if (eval_data != nullptr && args.eval_strategy != "no")
        cached_eval = embeddings_of(eval_data->texts, true).to(device());
    }
    std::vector<double> base_rates;
    for (auto& g : groups)
      base_rates.push_back(static_cast<torch::optim::AdamWOptions&>(g.options()).lr());
    torch::optim::AdamW optimizer(std::move(groups));
    log::info("stage 2 (classifier): {} epochs of the {} head{}", epochs, "differentiable",
              args.end_to_end ? ", end to end with the body" : " on cached embeddings");
    detail::StageMonitor monitor(args, eval_data != nullptr);
    std::vector<torch::Tensor> best;
    bool stopped = false;
    const std::int64_t total =
        epochs * static_cast<std::int64_t>((order.size() + batch - 1) / batch);
    auto after = [&](std::int64_t steps_done, bool epoch_end) {
      if (monitor.evaluate_now(steps_done, epoch_end)) {
        torch::Tensor proba;
        {
          torch::NoGradGuard no_grad;
          body().train(false);
          proba = head.predict_proba(cached_eval.defined()
                                         ? cached_eval
                                         : embeddings_of(eval_data->texts, true).to(device()));
          if (args.end_to_end) body().train(true);
        }
        auto metrics = metrics_from_proba(proba, *eval_data);
        log_eval(Stage::Classifier, steps_done, metrics);
        if (monitor.record(metrics) && args.load_best_model_at_end) best = snapshot(trained);
        if (monitor.should_stop()) {
          log::info("stage 2: early stop at step {}: no {} improvement in {} evaluations",
                    steps_done, monitor.metric(), args.early_stopping_patience);
          stopped = true;
        }
      }
      if (monitor.save_now(steps_done, epoch_end)) save_checkpoint(Stage::Classifier, steps_done);
    };
    if (args.end_to_end) body().train(true);
    report(Stage::Classifier, 0, total, 0.0);
    std::int64_t step = 0;
    for (std::int64_t epoch = 0; epoch < epochs && !stopped; ++epoch) {
      // SetFit's StepLR(5, 0.5) for end-to-end training.
      const double factor = args.end_to_end ? std::pow(0.5, static_cast<double>(epoch / 5)) : 1.0;
      for (std::size_t g = 0; g < optimizer.param_groups().size(); ++g) {
        static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[g].options())
            .lr(base_rates[g] * factor);
      }
      std::shuffle(order.begin(), order.end(), rng);
      for (std::size_t start = 0; start < order.size() && !stopped; start += batch) {
        const std::size_t end = std::min(order.size(), start + batch);
        std::vector<std::int64_t> rows(order.begin() + static_cast<std::ptrdiff_t>(start),
                                       order.begin() + static_cast<std::ptrdiff_t>(end));
        auto index = torch::tensor(rows, torch::kLong).to(device());
        torch::Tensor x;
        if (args.end_to_end) {
          std::vector<std::string> texts;
          for (auto r : rows) texts.push_back(data.texts[static_cast<std::size_t>(r)]);
          x = embed(texts, args.max_length ? static_cast<std::size_t>(*args.max_length) : 0);
          if (model->normalize_embeddings())
            x = torch::nn::functional::normalize(
                x, torch::nn::functional::NormalizeFuncOptions().dim(1));
        } else {
          x = cached.index_select(0, index);
        }
        clear_gradients(optimizer);
        auto value = head.loss(head.forward(x), targets.index_select(0, index));
        check_finite(value, Stage::Classifier, step, "the head's loss");
        value.backward();
        detail::fused_adamw_step(optimizer);
        const double loss_value = value.item<double>();
        log_loss(Stage::Classifier, step, loss_value);
        ++step;
        report(Stage::Classifier, step, total, loss_value);
        after(step, false);
      }
      if (!stopped) after(step, true);
    }
    if (!best.empty()) {
      restore(trained, best);
      log::info("stage 2: restored the best state ({} {:.4f})", monitor.metric(), monitor.best());
    }
    body().train(false);
  }
};

Trainer::Trainer(std::shared_ptr<Model> model, TrainingArguments args,
                 const PluginRegistry& registry, EvalOptions eval)
    : impl_(std::make_unique<Impl>(
          Impl{std::move(model), std::move(args), registry, std::move(eval), {}, {}})) {
  impl_->args.validate();
  if (!impl_->model) throw Error("the trainer needs a model");
  detail::check_output_dir(impl_->args);
  if (impl_->args.max_length) {
    try {
      impl_->model->body()->check_max_length(static_cast<std::size_t>(*impl_->args.max_length));
    } catch (const Error& e) {
      throw Error(fmt::format("key 'max_length': {}", e.what()));
    }
  }
  runtime::configure_allocator();
  if (impl_->args.use_amp && !impl_->model->device().is_cpu()) {
    log::warn("use_amp: only CPU autocast is implemented; training on {} runs in float32",
              to_string(impl_->model->device()));
  } else if (impl_->args.use_amp) {
    impl_->mixed_precision = runtime::cpu_has_native_bf16();
    if (impl_->mixed_precision)
      log::info("use_amp: the body's training passes and evaluations run under bf16 autocast");
    else
      log::warn(
          "use_amp: this CPU has no native bf16 (avx512_bf16 or amx_bf16); training "
          "runs in float32");
  }
  if (impl_->args.end_to_end && !impl_->model->head_differentiable())
    throw Error("end_to_end needs a differentiable head (such as 'linear')");
  if (impl_->args.num_epochs.classifier == 0 && impl_->model->head_differentiable()) {
    throw Error(
        fmt::format("key 'num_epochs': 0 classifier epochs leave the head '{}' untrained "
                    "(it learns by gradient steps); give num_epochs[1] at least 1",
                    impl_->model->options().head));
  }
  for (const auto& name : impl_->eval_options.metrics) {
    if (impl_->model->multi_label())
      compute_multi_label_metrics({}, {}, {name}, "micro");  // throws for an unknown name
    else
      compute_metrics({}, {}, 2, {name}, "macro");
  }
}

Trainer::~Trainer() = default;

void Trainer::on_progress(std::function<void(const TrainProgress&)> callback) {
  impl_->progress = std::move(callback);
}

void Trainer::Impl::check_data(const Dataset& data, const Dataset* eval) const {
  if (data.size() == 0) throw Error("the training set is empty");
  if (data.label_names.size() < 2 && !model->multi_label()) {
    throw Error(fmt::format("training needs at least two labels, the data has {}",
                            data.label_names.size()));
  }
  const auto& wanted = model->options().labels;
  if (!wanted.empty() && wanted != data.label_names) {
    throw Error(fmt::format("the model's labels [{}] differ from the training data's [{}]",
                            fmt::join(wanted, ", "), fmt::join(data.label_names, ", ")));
  }
  if (!data.multi_label) {
    // A label given in data.labels without an example could never be learned or predicted.
    const auto counts = data.label_counts();
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] == 0) {
        throw Error(
            fmt::format("label '{}' has no training example; remove it from data.labels "
                        "or add examples of it",
                        data.label_names[i]));
      }
    }
  }
  if (eval != nullptr && eval->label_names != data.label_names) {
    throw Error(fmt::format("the eval set's labels [{}] differ from the training data's [{}]",
                            fmt::join(eval->label_names, ", "), fmt::join(data.label_names, ", ")));
  }
  if (eval == nullptr && args.eval_strategy != "no")
    log::warn("eval_strategy is \"{}\" but there is no eval set: no evaluation during training",
              args.eval_strategy);
  head_targets(data);  // rejects multi-label data on a single-label model up front
}

// Points the stage functions at the data for the duration of a call.
struct Trainer::Impl::DataScope {
  Impl& impl;
  DataScope(Impl& owner, const Dataset& data, const Dataset* eval) : impl(owner) {
    impl.train_data = &data;
    impl.eval_data = eval;
  }
  ~DataScope() { impl.train_data = impl.eval_data = nullptr; }
};

void Trainer::train(const Dataset& data, const Dataset* eval) {
  train_embedding(data, eval);
  train_classifier(data, eval);
}

void Trainer::train_embedding(const Dataset& data, const Dataset* eval) {
  impl_->check_data(data, eval);
  Impl::DataScope scope(*impl_, data, eval);
  torch::manual_seed(static_cast<std::uint64_t>(impl_->args.seed));
  impl_->history.clear();
  // Every freeze below is undone when this guard goes, whatever happens.
  RequiresGradGuard body_state(impl_->body().parameters());
  impl_->train_embedding(data);
}

void Trainer::train_classifier(const Dataset& data, const Dataset* eval) {
  impl_->check_data(data, eval);
  Impl::DataScope scope(*impl_, data, eval);
  RequiresGradGuard body_state(impl_->body().parameters());
  if (!impl_->args.end_to_end) body_state.freeze();
  impl_->train_classifier(data);
}

std::map<std::string, double> Trainer::evaluate(const Dataset& data) {
  if (data.size() == 0) throw Error("the evaluation set is empty");
  return evaluate_embeddings(impl_->embeddings_of(data.texts, true), data);
}

std::map<std::string, double> Trainer::evaluate_embeddings(const at::Tensor& embeddings,
                                                           const Dataset& data) {
  if (!impl_->model->head_ready()) throw Error("evaluate() before the head is trained");
  if (embeddings.dim() != 2 || embeddings.size(0) != static_cast<std::int64_t>(data.size()))
    throw Error("evaluate_embeddings() needs one embedding row per example");
  torch::NoGradGuard no_grad;
  const auto on =
      impl_->model->head_differentiable() ? impl_->device() : torch::Device(torch::kCPU);
  return impl_->metrics_from_proba(
      impl_->model->head()->predict_proba(embeddings.to(on)).to(torch::kCPU, torch::kFloat32),
      data);
}

const std::vector<MetricPoint>& Trainer::history() const {
  return impl_->history;
}
const TrainingArguments& Trainer::args() const {
  return impl_->args;
}
std::shared_ptr<Model> Trainer::model() const {
  return impl_->model;
}

}  // namespace setfit
