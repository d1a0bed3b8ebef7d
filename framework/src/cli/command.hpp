#pragma once

#include <atomic>
#include <boost/any.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/variables_map.hpp>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace setfit {
struct SweepManifest;
struct Device;
enum class Precision;
}  // namespace setfit

// The CLI's verbs: one source file each, registered in commands.cpp.
namespace setfit::cli {

// Options every verb accepts, before or after the verb's name.
struct GlobalOptions {
  std::vector<std::filesystem::path> plugin_dirs;
  int threads = 0;                        // 0: one per core
  std::filesystem::path cache_dir;        // empty: $XDG_CACHE_HOME/setfit or ~/.cache/setfit
  int verbose = 0;                        // -v given this many times (less -q)
  std::vector<std::string> command_line;  // argv as given: what the front end hands over
};

// Exit codes shared by every verb.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  const char* name;
  const char* summary;
  // `args` are the words after the verb's name, global options already removed.
  int (*run)(const GlobalOptions& global, const std::vector<std::string>& args);
};

// Two programs are built from these sources: `setfit`, a thin front end without LibTorch
// that answers the verbs needing no tensors itself, and `setfit-engine` beside it, which runs
// every verb. The three things they differ in (program_front_end.cpp, program_engine.cpp):
const std::vector<Command>& commands();
// Before any verb runs: the engine sets LibTorch's threads and the allocator.
void configure_program(const GlobalOptions& global);
// `setfit --version`.
int print_version(const GlobalOptions& global);

// What the engine is handed over to do: verbs that train get an allocator for it.
enum class EngineWork { Inference, Training };
// Replaces this process by the engine with the same command line (the front end's way of
// running a verb that needs LibTorch). Returns only by throwing setfit::Error.
[[noreturn]] void hand_over_to_engine(const GlobalOptions& global,
                                      EngineWork work = EngineWork::Inference);
// The engine's file name, beside the front end.
inline constexpr const char* kEngineProgram = "setfit-engine";

// An option that counts something (rows, tokens, texts): a whole number, 0 or more. Boost
// reads "-5" into an unsigned type as a huge number; `po::value<Count>()` refuses it, naming
// the option.
struct Count {
  std::size_t value = 0;
};
void validate(boost::any& out, const std::vector<std::string>& values, Count*, int);

// The global options' description, shared by `setfit --help` and each verb's --help.
boost::program_options::options_description global_options_description();

// Parses a verb's own arguments: throws UsageError naming the verb on anything unknown.
void parse_verb_options(const std::string& verb, const std::vector<std::string>& args,
                        const boost::program_options::options_description& options,
                        const boost::program_options::positional_options_description& positional,
                        boost::program_options::variables_map& out);

// The same for a verb whose positional arguments (one word each, in order) are `arguments`:
// string values under those names, not listed in the verb's --help.
boost::program_options::variables_map parse_verb_arguments(
    const std::string& verb, const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    std::initializer_list<const char*> arguments);

// The verb's --precision (fp32, bf16 or auto), an error naming the flag otherwise.
Precision parse_precision_option(const boost::program_options::variables_map& vm);
// --device cpu|cuda|cuda:N for the verbs that load a model, and its value (checked: a GPU
// that is not there is an error naming the flag before anything loads).
void add_device_option(boost::program_options::options_description& options);
Device parse_device_option(const boost::program_options::variables_map& vm);

int run_encode(const GlobalOptions& global, const std::vector<std::string>& args);
int run_predict(const GlobalOptions& global, const std::vector<std::string>& args);
int run_report(const GlobalOptions& global, const std::vector<std::string>& args);
int run_results(const GlobalOptions& global, const std::vector<std::string>& args);
int run_sweep_verb(const GlobalOptions& global, const std::vector<std::string>& args);
// --max-runs, shared by the verbs that expand a sweep (default: the library's limit).
void add_max_runs_option(boost::program_options::options_description& options);
int run_sweep_plan(const GlobalOptions& global, const std::vector<std::string>& args);
// plan_manifest of `file` with the plugins and named inputs of the global options, and the
// verb's --no-share and --max-runs.
SweepManifest plan_sweep_file(const GlobalOptions& global,
                              const boost::program_options::variables_map& vm,
                              const std::filesystem::path& file);
int run_sweep_collect(const std::vector<std::string>& args);
// `sweep status runs.db` (counts by state, --watch) or `sweep status DIR` (a manifest folder).
int run_sweep_status(const std::vector<std::string>& args);
int run_sweep_submit(const GlobalOptions& global, const std::vector<std::string>& args);
int run_sweep_cancel(const std::vector<std::string>& args);
// `sweep worker --manifest DIR --index N [--task-list FILE --stride S] [--scratch DIR]`.
int run_sweep_task_worker(const GlobalOptions& global,
                          const boost::program_options::variables_map& vm);
// This program with the global options that reach the processes it starts (plugin folders,
// cache folder): `setfit [options]`, the verb to be appended.
std::vector<std::string> self_command(const GlobalOptions& global);
// The command line of a `sweep run` worker with `threads` LibTorch threads.
std::function<std::vector<std::string>(int)> worker_command(const GlobalOptions& global);
// From now on Ctrl-C and SIGTERM set the returned flag instead of ending the process.
const std::atomic<bool>& stop_on_signals();
int run_train(const GlobalOptions& global, const std::vector<std::string>& args);
int run_fetch(const GlobalOptions& global, const std::vector<std::string>& args);
int run_model(const GlobalOptions& global, const std::vector<std::string>& args);
int run_plugins(const GlobalOptions& global, const std::vector<std::string>& args);

}  // namespace setfit::cli
