#include "setfit/trainer.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {
namespace {

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

void check_finite(const torch::Tensor& loss, Stage stage, std::int64_t step) {
  const double value = loss.item<double>();
  if (!std::isfinite(value)) {
    throw Error(
        fmt::format("the {} stage diverged at step {}: the loss is {} (lower the learning rate?)",
                    to_string(stage), step, value));
  }
}

std::vector<std::int64_t> single_labels(const Dataset& data) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data.labels[i].size() != 1) {
      throw Error(fmt::format("example {} has {} labels; multi-label training is not supported yet",
                              i, data.labels[i].size()));
    }
    out.push_back(data.labels[i][0]);
  }
  return out;
}

}  // namespace

struct Trainer::Impl {
  std::shared_ptr<SentenceEncoder> body;
  std::shared_ptr<Head> head;
  TrainingArguments args;
  const PluginRegistry& registry;
  bool normalize = false;
  std::vector<MetricPoint> history;

  void log_loss(Stage stage, std::int64_t step, double value) {
    if (step % args.logging_steps == 0)
      history.push_back({std::string(to_string(stage)), step, "loss", value});
  }

  // Body parameters in two AdamW groups: decayed, and biases / LayerNorm weights.
  std::vector<torch::optim::OptimizerParamGroup> body_groups(double lr, double decay) const {
    std::vector<torch::Tensor> decayed, plain;
    for (auto& [name, p] : body->named_parameters()) {
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

  // Stage 1's optimisation, shared by the pair and batch paths: AdamW over the trainable
  // body parameters, linear warm-up and decay, gradient clipping at 1.0, loss logging.
  class StageOneOptimizer {
   public:
    StageOneOptimizer(Impl& impl, std::int64_t total) : impl_(impl), total_(total) {
      auto groups = impl.body_groups(impl.args.body_learning_rate.embedding, impl.args.l2_weight);
      if (groups.empty()) {
        log::warn("stage 1 (embedding) skipped: the body has no trainable parameters");
        return;
      }
      for (auto& g : groups)
        trainable_.insert(trainable_.end(), g.params().begin(), g.params().end());
      optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups));
      impl.body->train(true);
    }
    bool ready() const { return optimizer_ != nullptr; }
    bool done() const { return step_ >= total_; }
    // One optimisation step on a batch's loss.
    void apply(const torch::Tensor& loss) {
      check_finite(loss, Stage::Embedding, step_);
      const double rate = impl_.args.body_learning_rate.embedding *
                          warmup_linear(step_, total_, impl_.args.warmup_proportion);
      for (auto& group : optimizer_->param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(rate);
      }
      optimizer_->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(trainable_, 1.0);
      optimizer_->step();
      impl_.log_loss(Stage::Embedding, step_, loss.item<double>());
      ++step_;
    }

   private:
    Impl& impl_;
    std::int64_t total_;
    std::int64_t step_ = 0;
    std::vector<torch::Tensor> trainable_;
    std::unique_ptr<torch::optim::AdamW> optimizer_;
  };

  void train_embedding(const Dataset& data, const std::vector<std::int64_t>& labels) {
    const std::int64_t epochs = args.num_epochs.embedding;
    if (epochs == 0) {
      log::info("stage 1 (embedding) skipped: num_epochs[0] = 0");
      return;
    }
    auto loss = registry.create_loss(args.loss,
                                     args.margin ? ParamMap{{"margin", *args.margin}} : ParamMap{});
    auto sampler = registry.create_sampler(args.sampling_strategy);
    SamplingRequest request;
    for (auto l : labels) request.labels.push_back({l});
    request.num_iterations = args.num_iterations.value_or(0);
    request.max_pairs = args.max_steps > 0 ? args.max_steps * args.batch_size.embedding : -1;
    request.seed = static_cast<std::uint64_t>(args.seed);
    request.batch_size = args.batch_size.embedding;
    if (loss->input() == LossInput::LabelledBatch) {
      // Batch losses need label-grouped batches (SetFit means to, but never does).
      if (!sampler->yields_batches()) {
        log::info(
            "loss {} needs label-grouped batches: using the group_by_label sampler instead of {}",
            args.loss, args.sampling_strategy);
        sampler = registry.create_sampler("group_by_label");
      }
      train_on_batches(data, labels, *loss, *sampler, request);
      return;
    }
    auto pairs = sampler->sample(request);
    if (loss->input() == LossInput::PositivePairs) {
      std::erase_if(pairs, [](const SamplePair& p) { return p.target < 0.5f; });
    }
    if (pairs.empty()) throw Error("stage 1 has no pairs to train on");

    const auto batch = static_cast<std::size_t>(args.batch_size.embedding);
    const auto steps_per_epoch = static_cast<std::int64_t>((pairs.size() + batch - 1) / batch);
    std::int64_t total = steps_per_epoch * epochs;
    if (args.max_steps > 0) total = std::min(total, args.max_steps);

    StageOneOptimizer optimizer(*this, total);
    if (!optimizer.ready()) return;
    std::mt19937_64 rng(static_cast<std::uint64_t>(args.seed));
    log::info("stage 1 (embedding): {} pairs, {} steps, loss {}, sampler {}", pairs.size(), total,
              args.loss, args.sampling_strategy);
    for (std::int64_t epoch = 0; epoch < epochs && !optimizer.done(); ++epoch) {
      std::shuffle(pairs.begin(), pairs.end(), rng);
      for (std::size_t start = 0; start < pairs.size() && !optimizer.done(); start += batch) {
        const std::size_t end = std::min(pairs.size(), start + batch);
        std::vector<std::string> first, second;
        std::vector<float> targets;
        for (std::size_t k = start; k < end; ++k) {
          first.push_back(data.texts[static_cast<std::size_t>(pairs[k].first)]);
          second.push_back(data.texts[static_cast<std::size_t>(pairs[k].second)]);
          targets.push_back(pairs[k].target);
        }
        optimizer.apply(
            loss->forward(body->embed(first), body->embed(second), torch::tensor(targets)));
      }
    }
    body->train(false);
  }

  // Stage 1 for LabelledBatch losses: each step embeds one label-grouped batch.
  void train_on_batches(const Dataset& data, const std::vector<std::int64_t>& labels, Loss& loss,
                        Sampler& sampler, SamplingRequest request) {
    const std::int64_t epochs = args.num_epochs.embedding;
    auto first = sampler.batches(request);
    if (first.empty()) throw Error("stage 1 has no batches to train on");
    std::int64_t total = static_cast<std::int64_t>(first.size()) * epochs;
    if (args.max_steps > 0) total = std::min(total, args.max_steps);
    StageOneOptimizer optimizer(*this, total);
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
          batch_labels.push_back(labels[static_cast<std::size_t>(i)]);
        }
        optimizer.apply(loss.forward(body->embed(texts), torch::Tensor(),
                                     torch::tensor(batch_labels, torch::kLong)));
      }
    }
    body->train(false);
  }

  torch::Tensor embeddings_of(const std::vector<std::string>& texts) {
    EncodeOptions options;
    options.normalize = normalize;
    if (args.max_length) options.max_length = static_cast<std::size_t>(*args.max_length);
    return body->encode(texts, options);
  }

  void train_classifier(const Dataset& data, const std::vector<std::int64_t>& labels) {
    const auto classes = static_cast<std::int64_t>(data.label_names.size());
    auto targets = torch::tensor(labels, torch::kLong);
    head->initialize(body->dimension(), classes);
    if (!head->differentiable()) {
      log::info("stage 2 (classifier): fitting the head on {} embeddings", data.size());
      head->fit(embeddings_of(data.texts), targets);
      return;
    }
    const std::int64_t epochs = args.num_epochs.classifier;
    const auto batch = static_cast<std::size_t>(args.batch_size.classifier);
    std::vector<std::size_t> order(data.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(static_cast<std::uint64_t>(args.seed) + 1);

    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(
        head->parameters(),
        std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(args.head_learning_rate).weight_decay(args.l2_weight)));
    torch::Tensor cached;
    if (args.end_to_end) {
      // SetFit's stage 2 decays every body parameter alike: one group.
      std::vector<torch::Tensor> trainable;
      for (auto& p : body->parameters()) {
        if (p.requires_grad()) trainable.push_back(p);
      }
      groups.emplace_back(trainable,
                          std::make_unique<torch::optim::AdamWOptions>(
                              torch::optim::AdamWOptions(args.body_learning_rate.classifier)
                                  .weight_decay(args.l2_weight)));
      body->train(true);
    } else {
      cached = embeddings_of(data.texts);  // the body is frozen: encode once
    }
    std::vector<double> base_rates;
    for (auto& g : groups)
      base_rates.push_back(static_cast<torch::optim::AdamWOptions&>(g.options()).lr());
    torch::optim::AdamW optimizer(std::move(groups));
    log::info("stage 2 (classifier): {} epochs of the {} head{}", epochs, "differentiable",
              args.end_to_end ? ", end to end with the body" : " on cached embeddings");
    std::int64_t step = 0;
    for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
      // SetFit's StepLR(5, 0.5) for end-to-end training.
      const double factor = args.end_to_end ? std::pow(0.5, static_cast<double>(epoch / 5)) : 1.0;
      for (std::size_t g = 0; g < optimizer.param_groups().size(); ++g) {
        static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[g].options())
            .lr(base_rates[g] * factor);
      }
      std::shuffle(order.begin(), order.end(), rng);
      for (std::size_t start = 0; start < order.size(); start += batch) {
        const std::size_t end = std::min(order.size(), start + batch);
        std::vector<std::int64_t> rows(order.begin() + static_cast<std::ptrdiff_t>(start),
                                       order.begin() + static_cast<std::ptrdiff_t>(end));
        auto index = torch::tensor(rows, torch::kLong);
        torch::Tensor x;
        if (args.end_to_end) {
          std::vector<std::string> texts;
          for (auto r : rows) texts.push_back(data.texts[static_cast<std::size_t>(r)]);
          x = body->embed(texts, args.max_length ? static_cast<std::size_t>(*args.max_length) : 0);
          if (normalize)
            x = torch::nn::functional::normalize(
                x, torch::nn::functional::NormalizeFuncOptions().dim(1));
        } else {
          x = cached.index_select(0, index);
        }
        optimizer.zero_grad();
        auto value = head->loss(head->forward(x), targets.index_select(0, index));
        check_finite(value, Stage::Classifier, step);
        value.backward();
        optimizer.step();
        log_loss(Stage::Classifier, step, value.item<double>());
        ++step;
      }
    }
    body->train(false);
  }
};

Trainer::Trainer(std::shared_ptr<SentenceEncoder> body, std::shared_ptr<Head> head,
                 TrainingArguments args, const PluginRegistry& registry, bool normalize_embeddings)
    : impl_(std::make_unique<Impl>(Impl{
          std::move(body), std::move(head), std::move(args), registry, normalize_embeddings, {}})) {
  impl_->args.validate();
  if (!impl_->body || !impl_->head) throw Error("the trainer needs a body and a head");
  if (impl_->args.end_to_end && !impl_->head->differentiable()) {
    throw Error("end_to_end needs a differentiable head (such as 'linear')");
  }
}

Trainer::~Trainer() = default;

void Trainer::train(const Dataset& data) {
  if (data.size() == 0) throw Error("the training set is empty");
  if (data.label_names.size() < 2) {
    throw Error(fmt::format("training needs at least two labels, the data has {}",
                            data.label_names.size()));
  }
  const auto labels = single_labels(data);
  torch::manual_seed(static_cast<std::uint64_t>(impl_->args.seed));
  impl_->history.clear();
  // Every freeze below is undone when this guard goes, whatever happens.
  RequiresGradGuard body_state(impl_->body->parameters());
  impl_->train_embedding(data, labels);
  if (!impl_->args.end_to_end) body_state.freeze();
  impl_->train_classifier(data, labels);
}

const std::vector<MetricPoint>& Trainer::history() const {
  return impl_->history;
}
const TrainingArguments& Trainer::args() const {
  return impl_->args;
}

}  // namespace setfit
