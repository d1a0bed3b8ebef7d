// The local executor: one worker process per work unit, `jobs` at a time (fork + exec of the
// worker command, which dies with the orchestrator), timeouts, and the end of every run
// whose worker could not record it.

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>

#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/sweep.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

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

struct Worker {
  WorkUnit unit;  // the runs claimed for it
  std::chrono::steady_clock::time_point started;
  bool timed_out = false;
  fs::path log;
};

class LocalExecutor final : public Executor {
 public:
  explicit LocalExecutor(LocalExecutorOptions options) : options_(std::move(options)) {}

  void execute(const std::vector<PreparedRun>& runs, const std::vector<std::int64_t>& ids,
               const std::vector<WorkUnit>& units, RunStore& store,
               const std::function<WorkUnit(const WorkUnit&)>& claim_unit,
               const std::atomic<bool>& stop,
               const std::function<void(const ExecutionProgress&)>& progress) override {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int jobs = std::max(1, options_.jobs > 0 ? options_.jobs : cores);
    const int threads = options_.threads > 0 ? options_.threads : std::max(1, cores / jobs);
    const fs::path work_dir = sweep_work_dir(store.path());
    fs::create_directories(work_dir / "logs");
    ExecutionProgress state;
    for (const auto& unit : units) state.total += unit.runs.size();
    log::info("{} workers x {} threads", jobs, threads);

    std::map<pid_t, Worker> running;
    std::size_t next = 0;
    bool stop_launching = false;
    const auto finish_worker = [&](pid_t pid, int status) {
      const Worker worker = running.at(pid);
      running.erase(pid);
      state.running -= worker.unit.runs.size();
      for (auto index : worker.unit.runs) {
        const std::int64_t id = ids[index];
        auto row = store.run(id);
        if (row.status == RunStatus::Running && row.pid == pid) {
          // The worker ended without recording this run's end: say how, where, and what it
          // said last.
          std::string how;
          RunStatus final_status = RunStatus::Failed;
          if (worker.timed_out) {
            how = fmt::format(
                "timed out after {:.0f} s",
                options_.timeout_per_run * static_cast<double>(worker.unit.runs.size()));
          } else if (WIFSIGNALED(status)) {
            const int signal = WTERMSIG(status);
            how = fmt::format("killed by signal {} ({})", signal, strsignal(signal));
            // Asked to stop, by this sweep or from outside (a scheduler cancels with SIGTERM).
            if (signal == SIGTERM || signal == SIGINT) final_status = RunStatus::Killed;
          } else {
            how = fmt::format("exited with code {}", WEXITSTATUS(status));
          }
          const auto tail = last_lines(worker.log, 5);
          // Stage "setup": the worker had not started training (loading the body and data).
          store.finish_run(
              id, final_status, stage_from_log(worker.log),
              tail.empty() ? fmt::format("{} while starting, before it logged anything", how)
                           : fmt::format("{}; last log lines:\n{}", how, fmt::join(tail, "\n")));
          row = store.run(id);
        }
        if (row.status == RunStatus::Finished) {
          ++state.finished;
        } else if (row.status != RunStatus::Killed) {
          ++state.failed;
          log::warn("run {} ({}) {}: {}", index + 1, runs[index].label, to_string(row.status),
                    row.error.substr(0, row.error.find('\n')));
          if (options_.fail_fast) stop_launching = true;
        }
      }
    };

    while (true) {
      while (!stop && !stop_launching && next < units.size() &&
             running.size() < static_cast<std::size_t>(jobs)) {
        // Claimed before the worker exists: a worker killed before it records anything still
        // leaves RUNNING runs with an attempt counted, which the next pass handles.
        const WorkUnit& planned = units[next++];
        const WorkUnit unit = claim_unit(planned);
        state.total -= planned.runs.size() - unit.runs.size();  // taken by another process
        if (unit.runs.empty()) continue;
        write_unit_configs(runs, ids, unit, store.path());
        std::vector<std::int64_t> unit_ids;
        for (auto index : unit.runs) unit_ids.push_back(ids[index]);
        const fs::path log_file = work_dir / "logs" / fmt::format("group-{}.log", unit_ids.front());
        std::vector<std::string> args = options_.worker_command(threads);
        args.push_back("--db");
        args.push_back(store.path().string());
        args.push_back("--run-ids");
        args.push_back(fmt::format("{}", fmt::join(unit_ids, ",")));
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
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
        for (auto id : unit_ids) store.set_pid(id, pid);
        running[pid] = Worker{unit, std::chrono::steady_clock::now(), false, log_file};
        state.running += unit.runs.size();
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
        const double limit =
            options_.timeout_per_run * static_cast<double>(worker.unit.runs.size());
        if (options_.timeout_per_run > 0 && age > limit && !worker.timed_out) {
          worker.timed_out = true;
          kill(pid, SIGKILL);
        }
        if (stop) kill(pid, SIGTERM);
      }
      if (progress) progress(state);
    }
  }

 private:
  LocalExecutorOptions options_;
};

}  // namespace

Executor::~Executor() = default;

std::unique_ptr<Executor> make_local_executor(LocalExecutorOptions options) {
  if (!options.worker_command) throw Error("the local executor needs a worker command");
  return std::make_unique<LocalExecutor>(std::move(options));
}

}  // namespace setfit
