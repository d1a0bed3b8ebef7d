// The conformance checks of losses, heads and samplers (see plugin_conformance.hpp). Each
// check returns what went wrong, or nothing.

#include "setfit/plugin_conformance.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <set>

#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"

namespace setfit {
namespace {

using Check = std::function<std::string()>;

ConformanceResult run_check(const std::string& name, const Check& check) {
  try {
    const std::string failure = check();
    return {name, failure.empty(), failure};
  } catch (const std::exception& e) {
    return {name, false, fmt::format("threw: {}", e.what())};
  }
}

// The schema's defaults, given explicitly.
ParamMap explicit_defaults(const PluginRegistry& registry, PluginKind kind,
                           const std::string& name) {
  ParamMap values;
  for (const auto& spec : registry.find(kind, name).info.params)
    values.emplace(spec.name, spec.default_value);
  return values;
}

// An unknown parameter must be refused before the plugin sees it.
template <typename Create>
std::string refuses_unknown_parameter(Create create) {
  try {
    create(ParamMap{{"no_such_parameter", 1.0}});
  } catch (const ComponentConfigError&) {
    return "";
  }
  return "a parameter the schema does not declare was accepted";
}

// ---- Losses ----

at::Tensor loss_value(Loss& loss, const torch::Tensor& u, const torch::Tensor& v) {
  if (loss.input() == LossInput::LabelledBatch)
    return loss.forward(u, {}, torch::tensor({0, 0, 1, 1, 0, 1}));
  return loss.forward(u, v, torch::tensor({1.0f, 0.0f, 1.0f, 0.0f, 1.0f, 0.0f}));
}

std::vector<ConformanceResult> loss_checks(const PluginRegistry& registry,
                                           const std::string& name) {
  std::vector<ConformanceResult> results;
  // The registry's guard already refuses a value that is not a scalar, or (with inputs that
  // need gradients) does not reach them through autograd; these checks add the rest.
  results.push_back(run_check("returns a finite scalar, call after call", [&] {
    auto loss = registry.create_loss(name);
    torch::manual_seed(11);
    const auto u = torch::randn({6, 8}), v = torch::randn({6, 8});
    for (int call = 1; call <= 5; ++call) {
      const double value = loss_value(*loss, u, v).item<double>();
      if (!std::isfinite(value)) return fmt::format("call {} returned {}", call, value);
    }
    return std::string();
  }));
  results.push_back(run_check("gradients reach the embeddings", [&] {
    auto loss = registry.create_loss(name);
    torch::manual_seed(11);
    auto u = torch::randn({6, 8}, torch::requires_grad());
    auto v = torch::randn({6, 8}, torch::requires_grad());
    loss_value(*loss, u, v).backward();
    if (!u.grad().defined() || u.grad().abs().sum().item<double>() == 0.0)
      return std::string("backward() left no gradient on the first embeddings");
    return std::string();
  }));
  results.push_back(run_check("deterministic", [&] {
    torch::manual_seed(13);
    const auto u = torch::randn({6, 8}), v = torch::randn({6, 8});
    const double a = loss_value(*registry.create_loss(name), u, v).item<double>();
    const double b = loss_value(*registry.create_loss(name), u, v).item<double>();
    if (a != b && !(std::isnan(a) && std::isnan(b)))
      return fmt::format("the same inputs gave {} and then {}", a, b);
    return std::string();
  }));
  results.push_back(run_check("schema defaults change nothing", [&] {
    torch::manual_seed(12);
    const auto u = torch::randn({6, 8}), v = torch::randn({6, 8});
    const double given =
        loss_value(*registry.create_loss(name, explicit_defaults(registry, PluginKind::Loss, name)),
                   u, v)
            .item<double>();
    const double left_out = loss_value(*registry.create_loss(name), u, v).item<double>();
    if (given != left_out && !(std::isnan(given) && std::isnan(left_out))) {
      return fmt::format(
          "{} with the defaults given, {} without: a default in info() differs "
          "from the one the constructor uses",
          given, left_out);
    }
    return refuses_unknown_parameter([&](const ParamMap& p) { registry.create_loss(name, p); });
  }));
  return results;
}

// ---- Heads ----

// Three well separated classes in 8 dimensions.
std::pair<torch::Tensor, torch::Tensor> separable() {
  torch::manual_seed(5);
  auto centres = torch::eye(8).slice(0, 0, 3) * 4;
  auto labels = torch::arange(3).repeat_interleave(6);
  auto x = centres.index_select(0, labels) + 0.3 * torch::randn({18, 8});
  return {x, labels};
}

// A head in its trained state: fit(), or a few gradient steps of its own loss.
void train_head(Head& head, const torch::Tensor& x, const torch::Tensor& labels) {
  if (!head.differentiable()) {
    head.fit(x, labels);
    return;
  }
  torch::optim::Adam optimizer(head.parameters(), torch::optim::AdamOptions(0.05));
  for (int step = 0; step < 50; ++step) {
    optimizer.zero_grad();
    head.loss(head.forward(x), labels).backward();
    optimizer.step();
  }
}

torch::Tensor trained_probabilities(const PluginRegistry& registry, const std::string& name,
                                    const ParamMap& params, std::uint64_t seed) {
  auto [x, labels] = separable();
  auto head = registry.create_head(name, params);
  torch::manual_seed(seed);
  head->initialize(8, 3);
  train_head(*head, x, labels);
  torch::NoGradGuard no_grad;
  return head->predict_proba(x);
}

std::vector<ConformanceResult> head_checks(const PluginRegistry& registry,
                                           const std::string& name) {
  std::vector<ConformanceResult> results;
  results.push_back(run_check("learns separable classes, probabilities sum to 1", [&] {
    auto [x, labels] = separable();
    const auto proba = trained_probabilities(registry, name, {}, 1).to(torch::kFloat64);
    if (proba.sizes() != torch::IntArrayRef{18, 3}) {
      return fmt::format("predict_proba gave shape [{}]; expected [18, 3]",
                         fmt::join(proba.sizes(), ", "));
    }
    if (!torch::isfinite(proba).all().item<bool>()) return std::string("non-finite probabilities");
    if (!torch::allclose(proba.sum(1), torch::ones({18}, torch::kFloat64), 0, 1e-5))
      return std::string("the probabilities of a row do not sum to 1");
    const auto wrong = (proba.argmax(1) != labels).sum().item<std::int64_t>();
    if (wrong > 0)
      return fmt::format("{} of 18 examples of three well separated classes misclassified", wrong);
    return std::string();
  }));
  results.push_back(run_check("deterministic under a seed", [&] {
    if (!torch::equal(trained_probabilities(registry, name, {}, 3),
                      trained_probabilities(registry, name, {}, 3)))
      return std::string("two heads trained with the same seed predict differently");
    return std::string();
  }));
  results.push_back(run_check("gradients reach the embeddings (differentiable heads)", [&] {
    auto head = registry.create_head(name);
    head->initialize(8, 3);
    if (!head->differentiable()) {
      try {
        head->loss(torch::zeros({2, 3}), torch::zeros({2}, torch::kLong));
      } catch (const Error&) {
        return std::string();  // a fitted head never takes part in backpropagation
      }
      return std::string("a head that is not differentiable must refuse loss() with an error");
    }
    auto [x, labels] = separable();
    auto input = x.clone().requires_grad_(true);
    head->loss(head->forward(input), labels).backward();
    if (!input.grad().defined() || input.grad().abs().sum().item<double>() == 0.0)
      return std::string("backward() through loss(forward(x)) left no gradient on x");
    for (auto& p : head->parameters())
      if (!p.grad().defined()) return std::string("a parameter got no gradient");
    return std::string();
  }));
  results.push_back(run_check("state round trip, a wrong state refused", [&] {
    auto [x, labels] = separable();
    auto head = registry.create_head(name);
    head->initialize(8, 3);
    train_head(*head, x, labels);
    auto copy = registry.create_head(name);
    copy->initialize(8, 3);
    copy->load_state(head->state());
    torch::NoGradGuard no_grad;
    if (!torch::equal(copy->predict_proba(x), head->predict_proba(x)))
      return std::string("a head loaded from state() predicts differently");
    auto narrow = registry.create_head(name);
    narrow->initialize(5, 3);
    try {
      narrow->load_state(head->state());
      return std::string("a state of another embedding size was accepted");
    } catch (const Error&) {
    }
    try {
      copy->load_state({});
      return std::string("an empty state was accepted");
    } catch (const Error&) {
    }
    return std::string();
  }));
  results.push_back(run_check("schema defaults change nothing", [&] {
    if (!torch::equal(trained_probabilities(registry, name,
                                            explicit_defaults(registry, PluginKind::Head, name), 4),
                      trained_probabilities(registry, name, {}, 4)))
      return std::string("the defaults given explicitly train another head than none given");
    return refuses_unknown_parameter([&](const ParamMap& p) { registry.create_head(name, p); });
  }));
  return results;
}

// ---- Samplers ----

// Three labels with four examples each, interleaved.
SamplingRequest sampling_request(std::uint64_t seed) {
  SamplingRequest r;
  for (int i = 0; i < 12; ++i) r.labels.push_back({i % 3});
  r.seed = seed;
  r.batch_size = 6;
  return r;
}

std::vector<std::int64_t> flat_order(Sampler& sampler, std::uint64_t seed) {
  std::vector<std::int64_t> flat;
  if (sampler.yields_batches()) {
    for (const auto& batch : sampler.batches(sampling_request(seed)))
      flat.insert(flat.end(), batch.begin(), batch.end());
  } else {
    for (const auto& p : sampler.sample(sampling_request(seed))) {
      flat.push_back(p.first);
      flat.push_back(p.second);
    }
  }
  return flat;
}

std::string batches_are_valid(Sampler& sampler, const SamplingRequest& r) {
  const auto batches = sampler.batches(r);
  if (batches.empty()) return "no batches";
  std::set<std::int64_t> seen;
  for (const auto& batch : batches) {
    std::set<std::int64_t> labels;
    for (auto i : batch) {
      if (i < 0 || i >= 12) return fmt::format("index {} out of the 12 examples", i);
      seen.insert(i);
      labels.insert(r.labels[static_cast<std::size_t>(i)][0]);
    }
    // A batch loss needs positives and negatives in every batch.
    if (labels.size() < 2 || labels.size() >= batch.size())
      return "a batch without both positives and negatives";
  }
  if (seen.size() != 12) return fmt::format("{} of 12 examples used", seen.size());
  return "";
}

std::string pairs_are_valid(Sampler& sampler, const SamplingRequest& r) {
  const auto pairs = sampler.sample(r);
  if (pairs.empty()) return "no pairs";
  bool positive = false, negative = false;
  for (const auto& p : pairs) {
    if (p.first < 0 || p.first >= 12 || p.second < 0 || p.second >= 12)
      return fmt::format("pair ({}, {}) out of the 12 examples", p.first, p.second);
    const bool same =
        r.labels[static_cast<std::size_t>(p.first)] == r.labels[static_cast<std::size_t>(p.second)];
    if (p.target != (same ? 1.0f : 0.0f)) {
      return fmt::format("pair ({}, {}) has target {}; its labels say {}", p.first, p.second,
                         p.target, same ? 1 : 0);
    }
    positive = positive || same;
    negative = negative || !same;
  }
  if (!positive || !negative) return "the pairs are not both positive and negative";
  return "";
}

std::vector<ConformanceResult> sampler_checks(const PluginRegistry& registry,
                                              const std::string& name) {
  std::vector<ConformanceResult> results;
  results.push_back(run_check("valid pairs or batches for the labels", [&] {
    auto sampler = registry.create_sampler(name);
    const auto r = sampling_request(7);
    return sampler->yields_batches() ? batches_are_valid(*sampler, r)
                                     : pairs_are_valid(*sampler, r);
  }));
  results.push_back(run_check("deterministic under a seed, varies with it", [&] {
    auto sampler = registry.create_sampler(name);
    if (flat_order(*sampler, 1) != flat_order(*sampler, 1))
      return std::string("the same seed gave another order");
    if (flat_order(*sampler, 1) == flat_order(*sampler, 2))
      return std::string("seeds 1 and 2 gave the same order: the seed is not used");
    return std::string();
  }));
  results.push_back(run_check("schema defaults change nothing", [&] {
    auto given =
        registry.create_sampler(name, explicit_defaults(registry, PluginKind::Sampler, name));
    auto left_out = registry.create_sampler(name);
    if (flat_order(*given, 3) != flat_order(*left_out, 3))
      return std::string("the defaults given explicitly sample otherwise than none given");
    return refuses_unknown_parameter([&](const ParamMap& p) { registry.create_sampler(name, p); });
  }));
  return results;
}

}  // namespace

std::vector<ConformanceResult> check_conformance(const PluginRegistry& registry, PluginKind kind,
                                                 const std::string& name) {
  registry.find(kind, name);  // a clear error for a name that is not there
  switch (kind) {
    case PluginKind::Loss:
      return loss_checks(registry, name);
    case PluginKind::Head:
      return head_checks(registry, name);
    case PluginKind::Sampler:
      return sampler_checks(registry, name);
  }
  return {};
}

}  // namespace setfit
