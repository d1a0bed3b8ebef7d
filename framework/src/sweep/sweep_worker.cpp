// A sweep worker: one work unit, stage 1 once, then every run's stage 2 from the same body
// and random state, each recorded into the store. A warm worker serves unit after unit and
// keeps the body it loaded last, restored to its weights as loaded before each reuse.

#include <ATen/CPUGeneratorImpl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "../core/json_file.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/run_recorder.hpp"
#include "setfit/sweep.hpp"
#include "sweep_files.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

// The body a warm worker loaded last, with a copy of its parameters and their
// requires_grad flags as loaded: training changes the encoder in place.
class BodyCache {
 public:
  std::shared_ptr<SentenceEncoder> get(const fs::path& dir) {
    if (encoder_ && dir == dir_) {
      torch::NoGradGuard no_grad;
      const auto params = encoder_->named_parameters();
      for (std::size_t i = 0; i < params.size(); ++i) {
        params[i].second.copy_(as_loaded_[i]);
        params[i].second.set_requires_grad(requires_grad_[i]);
      }
      encoder_->train(false);
      log::info("reusing the loaded body {}", dir.string());
      return encoder_;
    }
    encoder_.reset();  // the old body's memory is free before the new one loads
    as_loaded_.clear();
    requires_grad_.clear();
    encoder_ = SentenceEncoder::load(dir);
    dir_ = dir;
    for (const auto& [name, p] : encoder_->named_parameters()) {
      as_loaded_.push_back(p.detach().clone());
      requires_grad_.push_back(p.requires_grad());
    }
    return encoder_;
  }

 private:
  fs::path dir_;
  std::shared_ptr<SentenceEncoder> encoder_;
  std::vector<torch::Tensor> as_loaded_;
  std::vector<bool> requires_grad_;
};

bool train_unit(const fs::path& db, const std::vector<std::int64_t>& run_ids,
                const PluginRegistry& registry, BodyCache* bodies) {
  if (run_ids.empty()) throw UsageError("a sweep worker needs run ids");
  // The orchestrator resolved each run (absolute paths, the body's folder): nothing is
  // looked up, fetched or validated again here.
  const NamedInputs folders_only;
  std::vector<RunConfig> configs;
  for (auto id : run_ids) {
    const fs::path file = detail::run_config_file(db, id);
    configs.push_back(read_run_config(parse_toml(detail::read_text_file(file), file.string()),
                                      {file.string(), file.parent_path()}, folders_only));
  }
  const RunConfig& first = configs.front();
  auto body = bodies ? bodies->get(first.body) : SentenceEncoder::load(first.body);
  std::vector<std::shared_ptr<Model>> models;
  std::vector<std::unique_ptr<RunRecorder>> recorders;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    models.push_back(std::make_shared<Model>(body, registry, configs[i].model));
    recorders.push_back(RunRecorder::attach(db, run_ids[i]));
  }
  // Stage-1 inputs are the same for the unit, so the training data is too.
  Dataset train = load_dataset(first.train, first.data);
  if (first.num_samples)
    train = sample_few_shot(train, *first.num_samples, static_cast<std::uint64_t>(first.args.seed));
  DataOptions same_labels = first.data;
  same_labels.labels = train.label_names;
  std::map<std::string, Dataset> loaded;
  const auto data_of = [&](const fs::path& file) -> const Dataset* {
    if (file.empty()) return nullptr;
    auto it = loaded.find(file.string());
    if (it == loaded.end())
      it = loaded.emplace(file.string(), load_dataset(file, same_labels)).first;
    return &it->second;
  };
  const auto keep_alive = [&](const TrainProgress&) {
    for (auto& recorder : recorders) recorder->alive();
  };

  Trainer stage_one(models.front(), first.args, registry, first.eval_options);
  stage_one.on_progress(keep_alive);
  try {
    stage_one.train_embedding(train, data_of(first.eval));
  } catch (const std::exception& e) {
    for (auto& r : recorders) r->failed(stage_one.history(), e, "embedding");
    log::error("{}", e.what());
    return false;
  }
  if (run_ids.size() > 1)
    log::info("stage 1 trained once for {} runs: {}", run_ids.size(), fmt::join(run_ids, ","));
  const auto stage_one_history = stage_one.history();
  std::vector<torch::Tensor> trained_body;
  for (const auto& p : body->parameters()) trained_body.push_back(p.detach().clone());
  const auto generator_state = at::detail::getDefaultCPUGenerator().get_state();

  std::map<std::string, torch::Tensor> test_embeddings;
  bool all_finished = true;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    {
      // Every run starts stage 2 from the same body and random state, as if alone.
      torch::NoGradGuard no_grad;
      const auto params = body->parameters();
      for (std::size_t k = 0; k < params.size(); ++k) params[k].copy_(trained_body[k]);
      at::Generator generator = at::detail::getDefaultCPUGenerator();
      generator.set_state(generator_state);
    }
    Trainer trainer(models[i], configs[i].args, registry, configs[i].eval_options);
    trainer.on_progress(keep_alive);
    auto history = stage_one_history;
    try {
      trainer.train_classifier(train, data_of(configs[i].eval));
      history.insert(history.end(), trainer.history().begin(), trainer.history().end());
      std::map<std::string, double> metrics;
      if (const Dataset* test = data_of(configs[i].test)) {
        if (configs[i].args.end_to_end) {
          metrics = trainer.evaluate(*test);
        } else {
          // Stage 2 left the shared body as stage 1 made it: encode each test set once.
          const auto& args = configs[i].args;
          const std::string key =
              fmt::format("{}|{}|{}", configs[i].test.string(), models[i]->normalize_embeddings(),
                          args.max_length.value_or(0));
          auto cached = test_embeddings.find(key);
          if (cached == test_embeddings.end()) {
            EncodeOptions encode;
            if (args.max_length) encode.max_length = static_cast<std::size_t>(*args.max_length);
            // As Trainer::evaluate: bf16 under use_amp where the CPU has it natively.
            if (args.use_amp) encode.precision = Precision::Auto;
            cached = test_embeddings.emplace(key, models[i]->encode(test->texts, encode)).first;
          }
          metrics = trainer.evaluate_embeddings(cached->second, *test);
        }
      }
      recorders[i]->finished(history, metrics, "");
      log::info("run {} finished", run_ids[i]);
    } catch (const std::exception& e) {
      history.insert(history.end(), trainer.history().begin(), trainer.history().end());
      recorders[i]->failed(history, e, "classifier");
      log::error("run {}: {}", run_ids[i], e.what());
      all_finished = false;
    }
  }
  return all_finished;
}

void flush_output() {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
}

// From here on stdout and stderr go to `log` (kept as they were when it cannot be opened).
void redirect_output(const std::string& log) {
  flush_output();
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  close(fd);
}

}  // namespace

bool run_sweep_worker(const fs::path& db, const std::vector<std::int64_t>& run_ids,
                      const PluginRegistry& registry) {
  return train_unit(db, run_ids, registry, nullptr);
}

std::vector<std::int64_t> parse_run_ids(const std::string& list) {
  std::vector<std::int64_t> ids;
  std::stringstream in(list);
  for (std::string id; std::getline(in, id, ',');) {
    std::size_t used = 0;
    try {
      ids.push_back(std::stoll(id, &used));
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != id.size()) throw UsageError(fmt::format("'{}' is not a run id", id));
  }
  if (ids.empty()) throw UsageError("no run ids");
  return ids;
}

int serve_sweep_worker(const fs::path& db, const PluginRegistry& registry, int units_fd,
                       int status_fd) {
  BodyCache bodies;
  FILE* units = fdopen(units_fd, "r");
  if (units == nullptr) throw Error("sweep worker: cannot read its units");
  char* line = nullptr;
  std::size_t capacity = 0;
  while (getline(&line, &capacity, units) > 0) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    const auto tab = text.find('\t');
    bool ok = false;
    // The unit's output goes to its own log, as a worker started for it alone would write it.
    if (tab != std::string::npos) redirect_output(text.substr(0, tab));
    try {
      if (tab == std::string::npos) throw UsageError(fmt::format("malformed unit line '{}'", text));
      ok = train_unit(db, parse_run_ids(text.substr(tab + 1)), registry, &bodies);
    } catch (const std::exception& e) {
      log::error("{}", e.what());
    }
    flush_output();
    const std::string status = ok ? "ok\n" : "failed\n";
    if (write(status_fd, status.data(), status.size()) != static_cast<ssize_t>(status.size()))
      break;  // the orchestrator is gone
  }
  std::free(line);
  std::fclose(units);
  return 0;
}

}  // namespace setfit
