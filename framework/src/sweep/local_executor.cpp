// The local executor: up to `jobs` warm worker processes (fork + exec of the worker command,
// which dies with the orchestrator), each training unit after unit, handed to it on its
// stdin; timeouts, and the end of every run whose worker could not record it.

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
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

// A unit a worker process trains now.
struct UnitInProgress {
  WorkUnit unit;  // the runs claimed for it
  std::chrono::steady_clock::time_point started;
  fs::path log;
};

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// A warm worker process: units go in on its stdin, "ok"/"failed" lines come back on fd 3.
// Closing its stdin tells it there is nothing more: it exits once idle.
struct WorkerProcess {
  int to_worker = -1;
  int from_worker = -1;
  std::string answer;  // bytes of a status line not complete yet
  fs::path body;       // the body of its last unit, which it keeps loaded
  std::optional<UnitInProgress> current;
  bool timed_out = false;
};

// Units with more runs first: the longest work starts first, so that no worker is left
// alone with a long unit at the end.
std::vector<std::size_t> longest_first(const std::vector<WorkUnit>& units) {
  std::vector<std::size_t> order(units.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return units[a].runs.size() > units[b].runs.size();
  });
  return order;
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

class LocalExecutor final : public Executor {
 public:
  explicit LocalExecutor(LocalExecutorOptions options) : options_(std::move(options)) {}

  void execute(const std::vector<PreparedRun>& runs, const std::vector<std::int64_t>& ids,
               const std::vector<WorkUnit>& units, RunStore& store,
               const std::function<WorkUnit(const WorkUnit&)>& claim_unit,
               const std::atomic<bool>& stop,
               const std::function<void(const ExecutionProgress&)>& progress) override {
    // A worker that died leaves a closed pipe: writing to it must fail, not kill the sweep.
    // The caller's SIGPIPE disposition is back once the sweep ends, however it ends.
    struct IgnoreSigpipe {
      void (*previous)(int) = signal(SIGPIPE, SIG_IGN);
      ~IgnoreSigpipe() { signal(SIGPIPE, previous); }
    } ignore_sigpipe;
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int jobs = std::max(1, options_.jobs > 0 ? options_.jobs : cores);
    const int threads = options_.threads > 0 ? options_.threads : std::max(1, cores / jobs);
    const fs::path work_dir = sweep_work_dir(store.path());
    fs::create_directories(work_dir / "logs");
    ExecutionProgress state;
    for (const auto& unit : units) state.total += unit.runs.size();
    log::info("{} workers x {} threads", jobs, threads);

    std::map<pid_t, WorkerProcess> workers;
    const auto order = longest_first(units);
    std::size_t next = 0;
    bool stop_launching = false;

    // The end of a worker's unit: `exit_status` is set when the process ended during it.
    const auto finish_unit = [&](pid_t pid, WorkerProcess& worker, std::optional<int> exit_status) {
      const UnitInProgress unit = *worker.current;
      worker.current.reset();
      state.running -= unit.unit.runs.size();
      for (auto index : unit.unit.runs) {
        const std::int64_t id = ids[index];
        auto row = store.run(id);
        if (row.status == RunStatus::Running && row.pid == pid) {
          // The worker left this run without recording its end: say how, where, and what it
          // said last.
          std::string how;
          RunStatus final_status = RunStatus::Failed;
          if (worker.timed_out) {
            how =
                fmt::format("timed out after {:.0f} s",
                            options_.timeout_per_run * static_cast<double>(unit.unit.runs.size()));
          } else if (!exit_status) {
            how = "the worker finished its unit without recording it";
          } else if (WIFSIGNALED(*exit_status)) {
            const int signal = WTERMSIG(*exit_status);
            how = fmt::format("killed by signal {} ({})", signal, strsignal(signal));
            // Asked to stop, by this sweep or from outside (a scheduler cancels with SIGTERM).
            if (signal == SIGTERM || signal == SIGINT) final_status = RunStatus::Killed;
          } else {
            how = fmt::format("exited with code {}", WEXITSTATUS(*exit_status));
          }
          const auto tail = last_lines(unit.log, 5);
          // Stage "setup": the worker had not started training (loading the body and data).
          store.finish_run(
              id, final_status, stage_from_log(unit.log),
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

    // A new worker process, whose output goes to `log` until its first unit says otherwise.
    const auto start_worker = [&](const fs::path& log) -> pid_t {
      int units_pipe[2], status_pipe[2];
      if (pipe2(units_pipe, O_CLOEXEC) != 0 || pipe2(status_pipe, O_CLOEXEC) != 0)
        throw Error(fmt::format("cannot start a worker: {}", std::strerror(errno)));
      std::vector<std::string> args = options_.worker_command(threads);
      for (const char* a : {"--db", store.path().c_str(), "--serve"}) args.emplace_back(a);
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
        signal(SIGPIPE, SIG_DFL);
        dup2(units_pipe[0], STDIN_FILENO);
        dup2(status_pipe[1], 3);
        const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
          dup2(fd, STDOUT_FILENO);
          dup2(fd, STDERR_FILENO);
        }
        execv(argv[0], argv.data());
        _exit(127);
      }
      close(units_pipe[0]);
      close(status_pipe[1]);
      WorkerProcess worker;
      worker.to_worker = units_pipe[1];
      worker.from_worker = status_pipe[0];
      workers[pid] = std::move(worker);
      return pid;
    };

    while (true) {
      // Hand out units: to an idle worker, preferring one that has the unit's body loaded,
      // else to a new worker while there are fewer than `jobs`.
      while (!stop && !stop_launching && next < order.size()) {
        const WorkUnit& planned = units[order[next]];
        const fs::path body = runs[planned.runs.front()].config.body;
        std::optional<pid_t> idle;
        for (auto& [pid, worker] : workers) {
          if (worker.current || worker.to_worker < 0 || !options_.reuse_workers) continue;
          if (!idle || worker.body == body) idle = pid;
          if (worker.body == body) break;
        }
        if (!idle && workers.size() >= static_cast<std::size_t>(jobs)) break;
        ++next;
        // Claimed before the worker has it: a worker killed before it records anything still
        // leaves RUNNING runs with an attempt counted, which the next pass handles.
        const WorkUnit unit = claim_unit(planned);
        state.total -= planned.runs.size() - unit.runs.size();  // taken by another process
        if (unit.runs.empty()) continue;
        write_unit_configs(runs, ids, unit, store.path());
        std::vector<std::int64_t> unit_ids;
        for (auto index : unit.runs) unit_ids.push_back(ids[index]);
        const fs::path log_file = work_dir / "logs" / fmt::format("group-{}.log", unit_ids.front());
        const pid_t pid = idle ? *idle : start_worker(log_file);
        WorkerProcess& worker = workers.at(pid);
        for (auto id : unit_ids) store.set_pid(id, pid);
        worker.current = UnitInProgress{unit, std::chrono::steady_clock::now(), log_file};
        worker.body = body;
        state.running += unit.runs.size();
        // A worker that cannot take the line has died: waitpid below ends its unit.
        write_all(worker.to_worker,
                  fmt::format("{}\t{}\n", log_file.string(), fmt::join(unit_ids, ",")));
      }
      // Nothing more to hand out: idle workers are told so (their stdin ends) and exit.
      if (stop || stop_launching || next >= order.size()) {
        for (auto& [pid, worker] : workers)
          if (!worker.current) close_fd(worker.to_worker);
      }
      if (workers.empty()) break;

      // Status lines of finished units.
      std::vector<pollfd> fds;
      std::vector<pid_t> owners;
      for (auto& [pid, worker] : workers) {
        if (worker.from_worker < 0) continue;
        fds.push_back({worker.from_worker, POLLIN, 0});
        owners.push_back(pid);
      }
      if (!fds.empty())
        poll(fds.data(), fds.size(), 50);
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
        WorkerProcess& worker = workers.at(owners[i]);
        char buffer[256];
        const ssize_t n = read(worker.from_worker, buffer, sizeof buffer);
        if (n <= 0) {  // the worker closed it: it is ending, waitpid tells how
          close_fd(worker.from_worker);
          continue;
        }
        worker.answer.append(buffer, static_cast<std::size_t>(n));
        for (auto end = worker.answer.find('\n'); end != std::string::npos;
             end = worker.answer.find('\n')) {
          worker.answer.erase(0, end + 1);
          if (worker.current) finish_unit(owners[i], worker, std::nullopt);
          // Not reused: it exits, and the next unit gets a new worker.
          if (!options_.reuse_workers) close_fd(worker.to_worker);
        }
      }

      int status = 0;
      for (pid_t done; (done = waitpid(-1, &status, WNOHANG)) > 0;) {
        auto it = workers.find(done);
        if (it == workers.end()) continue;
        if (it->second.current) finish_unit(done, it->second, status);
        close_fd(it->second.to_worker);
        close_fd(it->second.from_worker);
        workers.erase(it);
      }

      const auto now = std::chrono::steady_clock::now();
      for (auto& [pid, worker] : workers) {
        if (stop) kill(pid, SIGTERM);
        if (!worker.current) continue;
        const double age = std::chrono::duration<double>(now - worker.current->started).count();
        const double limit =
            options_.timeout_per_run * static_cast<double>(worker.current->unit.runs.size());
        if (options_.timeout_per_run > 0 && age > limit && !worker.timed_out) {
          worker.timed_out = true;
          kill(pid, SIGKILL);
        }
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
