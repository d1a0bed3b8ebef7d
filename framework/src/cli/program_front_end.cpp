// `setfit`: the thin front end. It links no LibTorch, so that the verbs needing no tensors
// (`--help`, `--version`, `results`, `report`, `sweep status`, `sweep collect`) answer in
// milliseconds; every other verb is handed over to `setfit-engine`, which loads LibTorch
// (about a second: its static initialisers) and runs it with the same command line.

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/version.hpp"
#include "setfit_cli_build.hpp"

namespace fs = std::filesystem;

namespace setfit::cli {

void configure_program(const GlobalOptions&) {}

int print_version(const GlobalOptions& global) {
  // What only a loaded LibTorch can tell comes from the engine.
  if (global.verbose > 0) hand_over_to_engine(global);
  fmt::print("setfit {}\n", SETFIT_VERSION_STRING);
  fmt::print("LibTorch {} (built with; 'setfit -v --version' adds BLAS, threads, bf16, CUDA)\n",
             SETFIT_BUILT_WITH_TORCH);
  return kExitOk;
}

namespace {

// The engine's heap on transparent huge pages: a body's weights, gradients and optimizer state
// are blocks of tens of MB whose pages would otherwise fault in 4 KB at a time (on a VM,
// about 160 ms per 47 MB block; a one-sentence predict 1.04 s -> 0.66 s, bench/README.md).
// glibc reads its tunables when a process starts, so the front end sets them for the engine;
// a choice of glibc.malloc.hugetlb already in the environment is kept.
void request_huge_pages() {
  constexpr std::string_view kHugePages = "glibc.malloc.hugetlb=1";
  const char* current = std::getenv("GLIBC_TUNABLES");
  std::string tunables = current != nullptr ? current : "";
  if (tunables.find("glibc.malloc.hugetlb=") != std::string::npos) return;
  tunables += tunables.empty() ? "" : ":";
  tunables += kHugePages;
  setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
}

// Training allocates and frees tensors of every size at every step, and glibc's heap, kept
// from returning memory (runtime::configure_allocator, for speed), fragments: stage 1 of a
// MiniLM-sized body peaked at 1,016 MB with it against 807 MB with tcmalloc, which trained as
// fast or faster (bench/README.md, "Peak memory of stage 1"). tcmalloc starts about 0.1 s
// slower, so only the verbs that train get it, preloaded (workers and Slurm tasks inherit
// the environment). SETFIT_ALLOCATOR=glibc keeps glibc; an LD_PRELOAD of the user's is kept.
void preload_training_allocator() {
  const char* choice = std::getenv("SETFIT_ALLOCATOR");
  const std::string_view chosen = choice != nullptr ? choice : "";
  if (chosen == "glibc") return;
  if (!chosen.empty() && chosen != "tcmalloc") {
    throw UsageError(
        fmt::format("SETFIT_ALLOCATOR is '{}'; expected tcmalloc (the default for verbs that "
                    "train) or glibc",
                    chosen));
  }
  const char* preload = std::getenv("LD_PRELOAD");
  if (preload != nullptr && *preload != '\0') return;
  std::error_code ec;
  if (!fs::exists(SETFIT_TRAINING_MALLOC, ec)) {
    log::warn("{} is missing (Debian: libtcmalloc-minimal4); training with glibc's allocator",
              SETFIT_TRAINING_MALLOC);
    return;
  }
  setenv("LD_PRELOAD", SETFIT_TRAINING_MALLOC, 1);
}

}  // namespace

void hand_over_to_engine(const GlobalOptions& global, EngineWork work) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path engine = (ec ? fs::current_path() : self.parent_path()) / kEngineProgram;
  std::vector<char*> argv;
  for (const auto& word : global.command_line) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  request_huge_pages();
  if (work == EngineWork::Training) preload_training_allocator();
  std::fflush(nullptr);
  execv(engine.c_str(), argv.data());
  throw Error(fmt::format(
      "cannot start {}: {}; it runs every command that needs LibTorch and is installed beside "
      "setfit",
      engine.string(), std::strerror(errno)));
}

// The verbs the engine runs.
int run_encode(const GlobalOptions& global, const std::vector<std::string>&) {
  hand_over_to_engine(global);
}
int run_fetch(const GlobalOptions& global, const std::vector<std::string>&) {
  hand_over_to_engine(global);
}
int run_model(const GlobalOptions& global, const std::vector<std::string>&) {
  hand_over_to_engine(global);
}
int run_plugins(const GlobalOptions& global, const std::vector<std::string>&) {
  hand_over_to_engine(global);
}
int run_predict(const GlobalOptions& global, const std::vector<std::string>&) {
  hand_over_to_engine(global);
}
int run_train(const GlobalOptions& global, const std::vector<std::string>&) {
  hand_over_to_engine(global, EngineWork::Training);
}

int run_sweep_verb(const GlobalOptions& global, const std::vector<std::string>& args) {
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (!args.empty() && args[0] == "status") return run_sweep_status(rest);
  if (!args.empty() && args[0] == "collect") return run_sweep_collect(rest);
  hand_over_to_engine(global, EngineWork::Training);
}

}  // namespace setfit::cli
