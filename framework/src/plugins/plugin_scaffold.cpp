// The files of a new plugin project. Each kind's source is a small working plugin (it passes
// the conformance checks as written), with TODOs where an author puts their own maths.

#include "setfit/plugin_scaffold.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include "setfit/errors.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

constexpr const char* kLossSource =
    R"tmpl(// @NAME@: a setfit loss plugin. How to build, test and use it: README.md.
#include <torch/torch.h>

#include <setfit/errors.hpp>
#include <setfit/plugin.hpp>

namespace {

class @NAME@ final : public setfit::Loss {
 public:
  // Every parameter of the schema below arrives validated, defaults filled in.
  explicit @NAME@(const setfit::Params& params) : scale_(params.get_float("scale")) {
    if (scale_ <= 0) throw setfit::Error("@NAME@: scale must be positive");
  }

  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Loss,
            "@NAME@",
            "0.1.0",
            "TODO: one line on what this loss does",
            // The parameter schema: name, type, default, description. A config sets them in
            // [model] loss_params; a sweep varies them: "loss_params.scale" = [0.5, 2.0].
            {{"scale", setfit::ParamType::Float, 1.0, "TODO: what scale does"}}};
  }

  // Pairs: forward(u, v, target) gets pairs of embeddings and targets in [0, 1] from a pair
  // sampler. LabelledBatch: forward(embeddings, {}, labels) gets label-grouped batches.
  setfit::LossInput input() const override { return setfit::LossInput::Pairs; }

  at::Tensor forward(const at::Tensor& u, const at::Tensor& v, const at::Tensor& target) override {
    // TODO: your maths. Return a scalar that depends on u and v through autograd (no
    // .detach(), no .item()). Written as is, this is SetFit's CosineSimilarityLoss with the
    // similarity scaled.
    const auto cosine = torch::cosine_similarity(u, v, /*dim=*/1);
    return (scale_ * cosine - target.to(cosine.scalar_type())).pow(2).mean();
  }

 private:
  double scale_;
};

}  // namespace

SETFIT_PLUGIN(@NAME@)
)tmpl";

constexpr const char* kHeadSource =
    R"tmpl(// @NAME@: a setfit head plugin. How to build, test and use it: README.md.
#include <torch/torch.h>

#include <setfit/errors.hpp>
#include <setfit/plugin.hpp>

namespace {

class @NAME@ final : public setfit::Head {
 public:
  // Every parameter of the schema below arrives validated, defaults filled in.
  explicit @NAME@(const setfit::Params& params) : temperature_(params.get_float("temperature")) {
    if (temperature_ <= 0) throw setfit::Error("@NAME@: temperature must be positive");
  }

  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Head,
            "@NAME@",
            "0.1.0",
            "TODO: one line on what this head does",
            // A config sets them in [model] head_params; a sweep varies them:
            // "head_params.temperature" = [0.5, 1.0].
            {{"temperature", setfit::ParamType::Float, 1.0, "TODO: what temperature does"}}};
  }

  // A differentiable head trains by gradient steps on loss(forward(x), labels) (and may
  // train the body with it end to end); a fitted one (false) implements fit() instead.
  bool differentiable() const override { return true; }

  void initialize(std::int64_t embedding_dim, std::int64_t num_classes) override {
    // TODO: your head's tensors. Here: one linear layer with small random weights.
    weight_ = (torch::randn({num_classes, embedding_dim}) * 0.01).requires_grad_();
    bias_ = torch::zeros({num_classes}).requires_grad_();
  }

  void fit(const at::Tensor&, const at::Tensor&) override {
    throw setfit::Error("@NAME@ trains by gradient steps, not fit()");
  }

  // Scores [N, C] for embeddings [N, D].
  at::Tensor forward(const at::Tensor& embeddings) override {
    if (!weight_.defined()) throw setfit::Error("@NAME@ is used before initialize()");
    return torch::addmm(bias_, embeddings.to(weight_.scalar_type()), weight_.t()) / temperature_;
  }

  // Probabilities [N, C], columns in label order, rows summing to 1.
  at::Tensor predict_proba(const at::Tensor& embeddings) override {
    return torch::softmax(forward(embeddings), /*dim=*/1);
  }

  // labels: class indices [N].
  at::Tensor loss(const at::Tensor& scores, const at::Tensor& labels) override {
    return torch::nn::functional::cross_entropy(scores, labels);
  }

  std::vector<at::Tensor> parameters() override { return {weight_, bias_}; }

  // What save_pretrained writes and from_pretrained gives back (after initialize()).
  std::vector<std::pair<std::string, at::Tensor>> state() override {
    return {{"weight", weight_.detach()}, {"bias", bias_.detach()}};
  }
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& state) override {
    if (!weight_.defined()) throw setfit::Error("@NAME@: load_state() before initialize()");
    // Checks every name and shape: a state of another size is refused.
    torch::NoGradGuard no_grad;
    auto weight = weight_.detach().clone(), bias = bias_.detach().clone();
    setfit::assign_state(state, {{"weight", &weight}, {"bias", &bias}});
    weight_ = weight.requires_grad_();
    bias_ = bias.requires_grad_();
  }

 private:
  double temperature_;
  at::Tensor weight_, bias_;
};

}  // namespace

SETFIT_PLUGIN(@NAME@)
)tmpl";

constexpr const char* kSamplerSource =
    R"tmpl(// @NAME@: a setfit pair sampler plugin. How to build, test and use it: README.md.
#include <algorithm>
#include <random>

#include <setfit/errors.hpp>
#include <setfit/plugin.hpp>

namespace {

class @NAME@ final : public setfit::Sampler {
 public:
  // Every parameter of the schema below arrives validated, defaults filled in.
  explicit @NAME@(const setfit::Params& params)
      : pairs_per_example_(params.get_int("pairs_per_example")) {
    if (pairs_per_example_ < 1) throw setfit::Error("@NAME@: pairs_per_example must be >= 1");
  }

  static setfit::PluginInfo info() {
    return {setfit::PluginKind::Sampler,
            "@NAME@",
            "0.1.0",
            "TODO: one line on how this sampler picks pairs",
            // A config sets them in [model] sampler_params; a sweep varies them:
            // "sampler_params.pairs_per_example" = [2, 4].
            {{"pairs_per_example", setfit::ParamType::Int, 2,
              "Pairs drawn per example, half positive and half negative"}}};
  }

  // Pairs of example indices with a target: 1 for the same labels, 0 for different ones.
  // Everything random comes from request.seed, so that a run can be repeated exactly.
  std::vector<setfit::SamplePair> sample(const setfit::SamplingRequest& request) override {
    // TODO: your strategy. Here: for every example, random positives and negatives.
    const auto& labels = request.labels;
    const auto n = static_cast<std::int64_t>(labels.size());
    const std::int64_t rounds =
        request.num_iterations > 0 ? request.num_iterations : (pairs_per_example_ + 1) / 2;
    std::mt19937_64 rng(request.seed);
    std::uniform_int_distribution<std::int64_t> any(0, n - 1);
    std::vector<setfit::SamplePair> pairs;
    for (std::int64_t round = 0; round < rounds; ++round) {
      for (std::int64_t i = 0; i < n; ++i) {
        for (const bool positive : {true, false}) {
          // A few tries for a partner of the wanted kind; none when the data has none.
          for (int attempt = 0; attempt < 64; ++attempt) {
            const std::int64_t j = any(rng);
            const bool same = labels[static_cast<std::size_t>(i)] ==
                              labels[static_cast<std::size_t>(j)];
            if (j != i && same == positive) {
              pairs.push_back({i, j, positive ? 1.0f : 0.0f});
              break;
            }
          }
        }
      }
    }
    std::shuffle(pairs.begin(), pairs.end(), rng);
    if (request.max_pairs > 0 && static_cast<std::int64_t>(pairs.size()) > request.max_pairs)
      pairs.resize(static_cast<std::size_t>(request.max_pairs));
    return pairs;
  }

 private:
  std::int64_t pairs_per_example_;
};

}  // namespace

SETFIT_PLUGIN(@NAME@)
)tmpl";

constexpr const char* kCMakeLists =
    R"tmpl(# @NAME@, a setfit @KIND@ plugin, built against an installed setfit:
#   cmake -S . -B build -DCMAKE_PREFIX_PATH=<setfit install prefix> && cmake --build build
#   ctest --test-dir build --output-on-failure
cmake_minimum_required(VERSION 3.25)
project(@TARGET@ LANGUAGES CXX)

find_package(setfit REQUIRED)

# setfit_@KIND@_@TARGET@.so in build/: hidden symbols, -Wl,--no-undefined, the ABI stamp.
setfit_add_plugin(@TARGET@ KIND @KIND@ SOURCES @TARGET@.cpp)

# The conformance checks every @KIND@ must pass, as a GoogleTest test.
find_package(GTest REQUIRED)
enable_testing()
add_executable(@TARGET@_conformance conformance_test.cpp)
target_link_libraries(@TARGET@_conformance PRIVATE setfit::conformance GTest::gtest_main)
target_compile_definitions(@TARGET@_conformance PRIVATE
                           PLUGIN_FILE="$<TARGET_FILE:@TARGET@>")
add_dependencies(@TARGET@_conformance @TARGET@)
add_test(NAME @TARGET@_conformance COMMAND @TARGET@_conformance)
)tmpl";

constexpr const char* kConformanceTest =
    R"tmpl(// The checks every setfit @KIND@ plugin must pass, run on the plugin as built.
#include <gtest/gtest.h>

#include <setfit/conformance_test.hpp>

TEST(@NAME@, PassesTheConformanceChecks) {
  setfit::expect_conformance(PLUGIN_FILE);
}

// TODO: tests of your own maths, e.g. a value computed by hand for a small input.
)tmpl";

constexpr const char* kReadme = R"tmpl(# @NAME@

A setfit @KIND@ plugin. `@TARGET@.cpp` is a working plugin to start from: replace what its
TODOs mark with your own.

```sh
cmake -S . -B build -DCMAKE_PREFIX_PATH=<setfit install prefix>  # where `cmake --install` put setfit
cmake --build build                                              # -> build/setfit_@KIND@_@TARGET@.so
ctest --test-dir build --output-on-failure                       # the conformance checks
```

Use it: point setfit at the folder and name it in a config or sweep.

```sh
setfit --plugin-dir build plugins check build/setfit_@KIND@_@TARGET@.so --conformance
setfit --plugin-dir build sweep run my_sweep.toml --db runs.db
```

```toml
[model]
@CONFIG_KEY@ = "@NAME@"

[grid]
"@PARAMS_KEY@.@PARAM@" = [@VALUES@]
```

`SETFIT_PLUGIN_PATH=$PWD/build` works instead of `--plugin-dir`. The plugin must be rebuilt
for another setfit version, LibTorch version or compiler major version; setfit refuses a
plugin built for another one and says which.
)tmpl";

struct KindFiles {
  const char* source;
  const char* config_key;  // where a config names it
  const char* params_key;
  const char *param, *values;
};

const std::map<PluginKind, KindFiles>& kind_files() {
  static const std::map<PluginKind, KindFiles> files = {
      {PluginKind::Loss, {kLossSource, "loss", "loss_params", "scale", "0.5, 1.0, 2.0"}},
      {PluginKind::Head, {kHeadSource, "head", "head_params", "temperature", "0.5, 1.0"}},
      {PluginKind::Sampler,
       {kSamplerSource, "sampler", "sampler_params", "pairs_per_example", "2, 4"}}};
  return files;
}

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const std::string marker = "@" + key + "@";
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at))
      text.replace(at, marker.size(), value), at += value.size();
  }
  return text;
}

}  // namespace

std::string plugin_target_name(const std::string& class_name) {
  std::string out;
  for (std::size_t i = 0; i < class_name.size(); ++i) {
    const auto c = static_cast<unsigned char>(class_name[i]);
    if (std::isupper(c) && i > 0) {
      const auto prev = static_cast<unsigned char>(class_name[i - 1]);
      const bool next_lower =
          i + 1 < class_name.size() && std::islower(static_cast<unsigned char>(class_name[i + 1]));
      // A word starts: after a lower-case letter or digit, or at the last capital of an
      // acronym ("CoSENTLoss": co, sent, loss).
      if (std::islower(prev) || std::isdigit(prev) || (std::isupper(prev) && next_lower))
        out += '_';
    }
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::vector<fs::path> write_plugin_project(PluginKind kind, const std::string& class_name,
                                           const fs::path& dir) {
  const bool identifier =
      !class_name.empty() && !std::isdigit(static_cast<unsigned char>(class_name[0])) &&
      std::all_of(class_name.begin(), class_name.end(),
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  if (!identifier) {
    throw UsageError(
        fmt::format("'{}' is not a C++ class name (letters, digits and _, not "
                    "starting with a digit), e.g. CoSENTLoss",
                    class_name));
  }
  const std::string target = plugin_target_name(class_name);
  const KindFiles& k = kind_files().at(kind);
  const std::map<std::string, std::string> values = {{"NAME", class_name},
                                                     {"TARGET", target},
                                                     {"KIND", std::string(to_string(kind))},
                                                     {"CONFIG_KEY", k.config_key},
                                                     {"PARAMS_KEY", k.params_key},
                                                     {"PARAM", k.param},
                                                     {"VALUES", k.values}};
  const std::vector<std::pair<fs::path, const char*>> files = {
      {"CMakeLists.txt", kCMakeLists},
      {target + ".cpp", k.source},
      {"conformance_test.cpp", kConformanceTest},
      {"README.md", kReadme}};
  for (const auto& [name, text] : files) {
    if (fs::exists(dir / name)) {
      throw UsageError(fmt::format("{} already exists; choose another --dir (nothing was written)",
                                   (dir / name).string()));
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("{}: cannot create the folder: {}", dir.string(), ec.message()));
  std::vector<fs::path> written;
  for (const auto& [name, text] : files) {
    std::ofstream out(dir / name);
    out << fill(text, values);
    if (!out.flush()) throw Error(fmt::format("{}: cannot write", (dir / name).string()));
    written.push_back(dir / name);
  }
  return written;
}

}  // namespace setfit
