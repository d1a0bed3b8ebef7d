#include "subprocess.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "setfit/errors.hpp"

extern char** environ;

namespace setfit::detail {
namespace {

// Starts argv with stdin from /dev/null and stdout/stderr on the given descriptors; waits.
int spawn_and_wait(const std::vector<std::string>& argv, int out_fd, int err_fd,
                   const std::string& missing_hint) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT) {
    throw Error(fmt::format("cannot run '{}': not found on the PATH{}", argv[0],
                            missing_hint.empty() ? "" : " (" + missing_hint + ")"));
  }
  if (rc != 0) throw Error(fmt::format("cannot run '{}': {}", argv[0], std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error(fmt::format("waiting for '{}' failed", argv[0]));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using TempFile = std::unique_ptr<std::FILE, FileCloser>;

std::string read_all(std::FILE* file) {
  std::string text;
  std::rewind(file);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
  return text;
}

}  // namespace

int run_program(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                const std::filesystem::path& stderr_file) {
  const int out = open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) {
    if (out >= 0) close(out);
    if (err >= 0) close(err);
    throw Error(fmt::format("cannot write {}: {}", stdout_file.parent_path().string(),
                            std::strerror(errno)));
  }
  try {
    const int rc = spawn_and_wait(argv, out, err, "");
    close(out);
    close(err);
    return rc;
  } catch (...) {
    close(out);
    close(err);
    throw;
  }
}

ProgramOutput capture_program(const std::vector<std::string>& argv,
                              const std::string& missing_hint) {
  // Anonymous temporary files, not pipes: no reader thread, and no deadlock when a program
  // fills one stream while we read the other.
  TempFile out(std::tmpfile()), err(std::tmpfile());
  if (!out || !err) {
    throw Error(
        fmt::format("cannot run '{}': no temporary file ({})", argv.at(0), std::strerror(errno)));
  }
  ProgramOutput result;
  result.exit_code = spawn_and_wait(argv, fileno(out.get()), fileno(err.get()), missing_hint);
  result.out = read_all(out.get());
  result.err = read_all(err.get());
  return result;
}

}  // namespace setfit::detail
