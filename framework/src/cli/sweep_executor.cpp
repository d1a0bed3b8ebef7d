#include "sweep_executor.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "../core/json_file.hpp"
#include "../core/sha256.hpp"
#include "../train/training_args_toml.hpp"
#include "model_reference.hpp"
#include "progress.hpp"
#include "run_recorder.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/run_store.hpp"
#include "setfit/runtime.hpp"

namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

std::atomic<bool> interrupted{false};

void on_interrupt(int) {
  interrupted = true;
}

// A model folder's fingerprint: every file's path and content hash.
std::string folder_fingerprint(const fs::path& dir) {
  std::vector<std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    entries.push_back(fs::relative(entry.path(), dir).string() + "=" +
                      detail::sha256_file(entry.path()));
  }
  std::sort(entries.begin(), entries.end());
  return detail::sha256_hex(fmt::format("{}", fmt::join(entries, "\n")));
}

// One run, ready to execute: its worker config (absolute paths) and its key.
struct PreparedRun {
  const detail::ExpandedRun* expanded = nullptr;
  toml::table worker_config;
  std::string key;
  std::string stage1_key;  // equal for runs whose stage 1 is identical (shareable)
  std::int64_t id = 0;
  std::string label;  // the grid values, for messages
};

// What stage 1 depends on, of a run's records: the data split, the body, the sampler, the
// loss and its settings, the embedding half of the per-stage fields. Runs that train end to
// end, evaluate or checkpoint during training never share (their stage 1 involves the head).
bool stage_one_input(const ArgRecord& r) {
  static const std::set<std::string> args = {"seed",           "max_steps",    "sampling_strategy",
                                             "num_iterations", "loss",         "distance_metric",
                                             "margin",         "use_amp",      "warmup_proportion",
                                             "l2_weight",      "logging_steps"};
  if (r.key.rfind("data.", 0) == 0) return r.key != "data.test";
  if (r.key == "model.body") return true;
  if (r.stage == "embedding") return true;
  return r.stage == "global" && args.count(r.key) > 0;
}

// The worker processes' run list: "--run-ids 3,4,5".
std::string join_ids(const std::vector<std::int64_t>& ids) {
  return fmt::format("{}", fmt::join(ids, ","));
}

std::vector<std::string> last_lines(const fs::path& file, std::size_t count) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    // A progress bar redrawn with \r: keep what was drawn last.
    if (const auto cr = line.rfind('\r'); cr != std::string::npos) line = line.substr(cr + 1);
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<long>(count));
  return lines;
}

// The stage a worker was in, from its log: the last stage it announced.
std::string stage_from_log(const fs::path& file) {
  std::ifstream in(file);
  std::string line, stage = "setup";
  while (std::getline(in, line)) {
    if (line.find("stage 1 (embedding)") != std::string::npos) stage = "embedding";
    if (line.find("stage 2 (classifier)") != std::string::npos) stage = "classifier";
  }
  return stage;
}

// Whether `pid` is a live worker for run `run_id` on this machine: not gone, not a zombie
// (a dead worker whose reaper has not collected it), and not a reused pid.
bool worker_alive(std::int64_t pid, std::int64_t run_id) {
  if (pid <= 0) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(stat, text)) return false;
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size() || text[close + 2] == 'Z')
    return false;
  std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid));
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  std::replace(args.begin(), args.end(), '\0', ' ');  // every argument now ends with a space
  const auto list = args.find(" --run-ids ");
  if (args.find(" sweep worker ") == std::string::npos || list == std::string::npos) return false;
  const auto start = list + 11;
  const std::string ids = "," + args.substr(start, args.find(' ', start) - start) + ",";
  return ids.find(fmt::format(",{},", run_id)) != std::string::npos;
}

struct Worker {
  std::vector<std::size_t> indices;  // into the prepared runs: one stage-1 group
  std::chrono::steady_clock::time_point started;
  bool timed_out = false;
  fs::path log;
};

}  // namespace

TrainConfig validate_sweep_run(const detail::ExpandedRun& run, std::size_t count,
                               const fs::path& file, const GlobalOptions& global,
                               const PluginRegistry& registry, bool fetch_datasets) {
  std::vector<std::string> settings;
  for (const auto& a : run.assignments) {
    settings.push_back(a.where.empty() ? a.key + " = " + a.value
                                       : fmt::format("{} = {} at {}", a.key, a.value, a.where));
  }
  try {
    detail::PlacedValueLabel label("grid value");
    TrainConfig config =
        read_train_config(run.config, file.string(), file.parent_path(), global, fetch_datasets);
    config.args.validate();
    resolve_plugins(config, registry);
    return config;
  } catch (const Error& e) {
    throw Error(fmt::format(
        "{}: run {} of {} ({}): {}", file.string(), run.index + 1, count,
        settings.empty() ? "no grid values" : fmt::format("{}", fmt::join(settings, ", ")),
        e.what()));
  }
}

int run_sweep_file(const fs::path& file, const SweepRunOptions& options,
                   const GlobalOptions& global) {
  // From here on Ctrl-C stops cleanly: nothing is launched after it, running workers are
  // stopped and their runs marked KILLED.
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const std::string spec_text = detail::read_text_file(file);
  const auto sweep = detail::expand_sweep(parse_toml(spec_text, file.string()), file.string());
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));

  // Validate everything before anything runs, then fetch and fingerprint the inputs.
  for (const auto& run : sweep.runs)
    validate_sweep_run(run, sweep.runs.size(), file, global, registry, /*fetch_datasets=*/false);
  std::map<std::string, std::string> body_fingerprints;
  std::map<std::string, std::string> file_fingerprints;
  std::vector<PreparedRun> prepared;
  for (std::size_t i = 0; i < sweep.runs.size(); ++i) {
    const auto& run = sweep.runs[i];
    const TrainConfig config =
        validate_sweep_run(run, sweep.runs.size(), file, global, registry, true);
    const fs::path body = resolve_model(config.body, global);
    PreparedRun p;
    p.expanded = &run;
    p.label = detail::settings_label(run);
    p.worker_config = run.config;
    auto* data = p.worker_config["data"].as_table();
    data->erase("dataset");
    std::string inputs;
    for (const auto& [key, path] :
         {std::pair{"train", config.train}, {"test", config.test}, {"eval", config.eval}}) {
      if (path.empty()) continue;
      data->insert_or_assign(key, fs::absolute(path).string());
      auto& hash = file_fingerprints[path.string()];
      if (hash.empty()) hash = detail::sha256_file(path);
      inputs += fmt::format("{}={}\n", key, hash);
    }
    p.worker_config["model"].as_table()->insert_or_assign("body", fs::absolute(body).string());
    auto& body_hash = body_fingerprints[body.string()];
    if (body_hash.empty()) body_hash = folder_fingerprint(body);
    inputs += "body=" + body_hash + "\n";
    const auto plugin_line = [&](PluginKind kind, const std::string& name) {
      return fmt::format("{}={}@{}\n", to_string(kind), name,
                         registry.find(kind, name).info.version);
    };
    const std::string stage_one_plugins =
        plugin_line(PluginKind::Loss, config.args.loss) +
        plugin_line(PluginKind::Sampler, config.args.sampling_strategy);
    inputs += plugin_line(PluginKind::Head, config.model.head) + stage_one_plugins;
    // The resolved config with every default: the records a run stores.
    const ResolvedPlugins plugins = resolve_plugins(config, registry);
    const auto records = config_records(config, plugins);
    std::string stage_one =
        fmt::format("train={}\nbody={}\n{}", file_fingerprints[config.train.string()], body_hash,
                    stage_one_plugins);
    for (const auto& r : records) {
      if (stage_one_input(r)) stage_one += key_line(r);
      if (r.key.rfind("data.", 0) == 0 || r.key == "model.body") continue;  // hashed above
      if (in_run_key(r, plugins)) inputs += key_line(r);
    }
    p.key = detail::sha256_hex(inputs);
    const bool shareable = !config.args.end_to_end && config.args.eval_strategy == "no" &&
                           config.args.save_strategy == "no" &&
                           config.args.num_epochs.embedding > 0;
    p.stage1_key = shareable ? detail::sha256_hex(stage_one) : p.key;
    prepared.push_back(std::move(p));
  }

  auto store = RunStore::open(options.db);  // migrations happen here, before any worker
  std::string keys;
  for (const auto& p : prepared) keys += p.key + "\n";
  const auto sweep_id = store->ensure_sweep(sweep.header.name, spec_text, detail::sha256_hex(keys),
                                            options.allow_changed);
  for (auto& p : prepared) p.id = store->ensure_run(sweep_id, p.key);

  // What to do: skip FINISHED and DIVERGED (deterministic), retry the rest within limits.
  const std::string here = host_name();
  std::vector<std::size_t> todo;
  std::size_t skipped = 0;
  std::map<std::int64_t, std::size_t> first_with_id;
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    // Two grid points that resolve to the same config are one run.
    const auto [first, is_new] = first_with_id.emplace(prepared[i].id, i);
    if (!is_new) {
      log::warn("run {} ({}) is the same run as run {}: run once", i + 1, prepared[i].label,
                first->second + 1);
      continue;
    }
    const auto row = store->run(prepared[i].id);
    switch (row.status) {
      case RunStatus::Finished:
      case RunStatus::Diverged:
        ++skipped;
        continue;
      case RunStatus::Failed:
        if (row.attempt >= options.max_attempts) {
          log::warn("run {} ({}) failed {} times; not retried", i + 1, prepared[i].label,
                    row.attempt);
          ++skipped;
          continue;
        }
        break;
      case RunStatus::Running: {
        const bool dead_here = row.host == here && !worker_alive(row.pid, row.id);
        if (!dead_here && row.heartbeat_age_s < options.stale_after_s) {
          log::warn("run {} is RUNNING elsewhere (pid {} on {}); left alone", i + 1, row.pid,
                    row.host);
          ++skipped;
          continue;
        }
        break;
      }
      default:
        break;
    }
    todo.push_back(i);
  }
  // The plan: runs with the same stage-1 inputs form a group that trains stage 1 once
  // (unless --no-share); each group is one worker process.
  std::vector<std::vector<std::size_t>> groups;
  {
    std::map<std::string, std::size_t> group_of;
    for (auto index : todo) {
      const std::string& key = options.share ? prepared[index].stage1_key : prepared[index].key;
      const auto [it, added] = group_of.emplace(key, groups.size());
      if (added) groups.emplace_back();
      groups[it->second].push_back(index);
    }
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int jobs = std::max(1, options.jobs > 0 ? options.jobs : cores);
  const int threads = std::max(1, cores / jobs);
  log::info(
      "sweep '{}': {} runs, {} to do ({} already done or not retried) in {} stage-1 groups, {} "
      "workers x {} threads",
      sweep.header.name, prepared.size(), todo.size(), skipped, groups.size(), jobs, threads);

  const fs::path work = fs::path(options.db.string() + ".work");
  fs::create_directories(work / "configs");
  fs::create_directories(work / "logs");
  const std::string self = fs::read_symlink("/proc/self/exe").string();

  std::map<pid_t, Worker> running;
  std::size_t next = 0, finished = 0, failed = 0, in_flight = 0;
  bool stop_launching = false;
  ProgressReporter progress("sweep", "runs");
  const auto finish_worker = [&](pid_t pid, int status) {
    const Worker worker = running.at(pid);
    running.erase(pid);
    in_flight -= worker.indices.size();
    for (auto index : worker.indices) {
      const auto& p = prepared[index];
      auto row = store->run(p.id);
      if (row.status == RunStatus::Running) {
        // The worker ended without recording this run's end: say how, where, and what it
        // said last.
        std::string how;
        RunStatus final_status = RunStatus::Failed;
        if (worker.timed_out) {
          how = fmt::format("timed out after {:.0f} s",
                            options.timeout_per_run * static_cast<double>(worker.indices.size()));
        } else if (WIFSIGNALED(status)) {
          const int signal = WTERMSIG(status);
          how = fmt::format("killed by signal {} ({})", signal, strsignal(signal));
          if (interrupted && (signal == SIGTERM || signal == SIGINT))
            final_status = RunStatus::Killed;
        } else {
          how = fmt::format("exited with code {}", WEXITSTATUS(status));
        }
        const auto tail = last_lines(worker.log, 5);
        store->finish_run(p.id, final_status, stage_from_log(worker.log),
                          fmt::format("{}; last log lines:\n{}", how, fmt::join(tail, "\n")));
        row = store->run(p.id);
      }
      if (row.status == RunStatus::Finished) {
        ++finished;
      } else if (row.status != RunStatus::Killed) {
        ++failed;
        log::warn("run {} ({}) {}: {}", index + 1, p.label, to_string(row.status),
                  row.error.substr(0, row.error.find('\n')));
        if (options.fail_fast) stop_launching = true;
      }
    }
  };

  while (true) {
    while (!interrupted && !stop_launching && next < groups.size() &&
           running.size() < static_cast<std::size_t>(jobs)) {
      const auto& group = groups[next++];
      std::vector<std::int64_t> ids;
      for (auto index : group) {
        const auto& p = prepared[index];
        std::ofstream(work / "configs" / fmt::format("run-{}.toml", p.id))
            << p.worker_config << "\n";
        ids.push_back(p.id);
      }
      const fs::path log_file = work / "logs" / fmt::format("group-{}.log", ids.front());
      std::vector<std::string> args = {self, "--threads", std::to_string(threads)};
      for (const auto& dir : global.plugin_dirs) {
        args.push_back("--plugin-dir");
        args.push_back(dir.string());
      }
      if (!global.cache_dir.empty()) {
        args.push_back("--cache-dir");
        args.push_back(global.cache_dir.string());
      }
      for (const char* word : {"sweep", "worker", "--db"}) args.emplace_back(word);
      args.push_back(options.db.string());
      args.push_back("--run-ids");
      args.push_back(join_ids(ids));
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      // Started here, before the worker exists: a worker killed before it records anything
      // still leaves RUNNING runs with an attempt counted, which the next pass handles.
      for (auto index : group) {
        store->start_run(prepared[index].id, 0, here);
        store->set_stage1(prepared[index].id, prepared[index].stage1_key, ids.front());
      }
      const pid_t parent = getpid();
      const pid_t pid = fork();
      if (pid < 0) throw Error(fmt::format("cannot start a worker: {}", std::strerror(errno)));
      if (pid == 0) {
        // A worker dies with its orchestrator, so a killed sweep leaves no strays behind.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        const int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
          dup2(fd, STDOUT_FILENO);
          dup2(fd, STDERR_FILENO);
        }
        execv(argv[0], argv.data());
        _exit(127);
      }
      for (auto index : group) store->set_pid(prepared[index].id, pid);
      running[pid] = Worker{group, std::chrono::steady_clock::now(), false, log_file};
      in_flight += group.size();
    }
    if (running.empty()) break;
    int status = 0;
    const pid_t done = waitpid(-1, &status, WNOHANG);
    if (done > 0 && running.count(done)) {
      finish_worker(done, status);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& [pid, worker] : running) {
      const double age = std::chrono::duration<double>(now - worker.started).count();
      const double limit = options.timeout_per_run * static_cast<double>(worker.indices.size());
      if (options.timeout_per_run > 0 && age > limit && !worker.timed_out) {
        worker.timed_out = true;
        kill(pid, SIGKILL);
      }
      if (interrupted) kill(pid, SIGTERM);
    }
    progress.update(finished + failed, todo.size(),
                    fmt::format("{} finished, {} failed, {} running", finished, failed, in_flight));
  }
  progress.finish();
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);

  // The best configurations: runs grouped by their grid values without the seed.
  struct Group {
    std::string label;
    std::vector<double> values;
  };
  std::map<std::string, Group> by_settings;
  std::map<RunStatus, std::size_t> counts;
  std::set<std::int64_t> reported;
  for (const auto& p : prepared) {
    if (!reported.insert(p.id).second) continue;  // a duplicate grid point
    const auto row = store->run(p.id);
    ++counts[row.status];
    if (row.status != RunStatus::Finished) continue;
    const std::string label = detail::settings_label(*p.expanded, " ", "args.seed");
    for (const auto& v : store->summary(p.id)) {
      if (v.key == sweep.header.metric) by_settings[label].values.push_back(v.value);
    }
    by_settings[label].label = label;
  }
  std::vector<std::tuple<double, double, std::size_t, std::string>> ranked;
  for (const auto& [label, group] : by_settings) {
    if (group.values.empty()) continue;
    double mean = 0, var = 0;
    for (double v : group.values) mean += v;
    mean /= static_cast<double>(group.values.size());
    for (double v : group.values) var += (v - mean) * (v - mean);
    ranked.emplace_back(mean, std::sqrt(var / static_cast<double>(group.values.size())),
                        group.values.size(), label);
  }
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    return sweep.header.direction == "maximize" ? std::get<0>(a) > std::get<0>(b)
                                                : std::get<0>(a) < std::get<0>(b);
  });
  std::vector<std::string> count_text;
  for (const auto& [status, count] : counts)
    count_text.push_back(fmt::format("{} {}", count, to_string(status)));
  fmt::print("sweep '{}' in {}: {}\n", sweep.header.name, options.db.string(),
             fmt::join(count_text, ", "));
  if (!ranked.empty()) {
    fmt::print("best by {} ({}), mean +- std over seeds:\n", sweep.header.metric,
               sweep.header.direction);
    for (std::size_t i = 0; i < std::min<std::size_t>(5, ranked.size()); ++i) {
      const auto& [mean, sd, n, label] = ranked[i];
      fmt::print("  {:.4f} +- {:.4f} (n={})  {}\n", mean, sd, n, label);
    }
  }
  if (interrupted) {
    fmt::print("interrupted: running runs were marked KILLED; run the same command to resume\n");
    return 130;
  }
  return counts[RunStatus::Finished] == reported.size() ? kExitOk : kExitFailure;
}

int run_sweep_worker(const fs::path& db, const std::vector<std::int64_t>& run_ids,
                     const GlobalOptions& global) {
  if (run_ids.empty()) throw UsageError("setfit sweep worker needs --run-ids");
  const fs::path configs_dir = fs::path(db.string() + ".work") / "configs";
  std::vector<TrainConfig> configs;
  for (auto id : run_ids) {
    const fs::path file = configs_dir / fmt::format("run-{}.toml", id);
    configs.push_back(read_train_config(parse_toml(detail::read_text_file(file), file.string()),
                                        file.string(), file.parent_path(), global));
  }
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::search_path(global.plugin_dirs));
  const TrainConfig& first = configs.front();
  auto body = SentenceEncoder::load(resolve_model(first.body, global));
  std::vector<std::shared_ptr<Model>> models;
  std::vector<std::unique_ptr<RunRecorder>> recorders;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    models.push_back(std::make_shared<Model>(body, registry, configs[i].model));
    recorders.push_back(std::make_unique<RunRecorder>(
        db, configs[i], resolve_plugins(configs[i], registry), registry, run_ids[i]));
  }
  // Stage-1 inputs are the same for the group, so the training data is too.
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
    return kExitFailure;
  }
  if (run_ids.size() > 1)
    log::info("stage 1 trained once for {} runs: {}", run_ids.size(), join_ids(run_ids));
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
  return all_finished ? kExitOk : kExitFailure;
}

int print_sweep_status(const fs::path& db, const std::string& sweep_name) {
  if (!fs::exists(db)) throw Error(fmt::format("{}: no such run store", db.string()));
  auto store = RunStore::open(db, /*migrate=*/false);
  std::vector<std::pair<std::string, std::int64_t>> sweeps = store->sweeps();
  if (!sweep_name.empty()) {
    const auto id = store->find_sweep(sweep_name);
    if (!id) throw Error(fmt::format("{}: no sweep named '{}'", db.string(), sweep_name));
    sweeps = {{sweep_name, *id}};
  }
  for (const auto& [name, id] : sweeps) {
    std::map<std::string, std::size_t> counts;
    const auto runs = store->runs(id);
    for (const auto& run : runs) ++counts[std::string(to_string(run.status))];
    std::vector<std::string> parts;
    for (const auto& [status, count] : counts) parts.push_back(fmt::format("{} {}", count, status));
    fmt::print("{}: {} runs: {}\n", name, runs.size(), fmt::join(parts, ", "));
  }
  return kExitOk;
}

}  // namespace setfit::cli
