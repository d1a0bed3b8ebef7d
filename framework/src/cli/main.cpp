// `setfit` and `setfit-engine`: global options, then one verb. Exit codes: 0 success, 1 failure,
// 2 a command line that could not be understood.

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/sanitizers.hpp"
#include "setfit/version.hpp"

namespace po = boost::program_options;
using namespace setfit;
using namespace setfit::cli;

namespace {

// "-vv" and "-qq" mean "-v -v" and "-q -q"; program_options has no counting flags.
std::vector<std::string> expand_repeated_short_flags(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const bool repeated = arg.size() > 2 && arg[0] == '-' && arg[1] != '-' &&
                          arg.find_first_not_of(arg[1], 1) == std::string::npos &&
                          (arg[1] == 'v' || arg[1] == 'q');
    if (repeated) {
      for (std::size_t k = 1; k < arg.size(); ++k) args.push_back(std::string("-") + arg[1]);
    } else {
      args.push_back(std::move(arg));
    }
  }
  return args;
}

std::string usage() {
  std::ostringstream out;
  out << fmt::format(
      "setfit {}: few-shot text classification experiments (SetFit on LibTorch)\n\n"
      "Usage: setfit [global options] COMMAND [command options]\n\nCommands:\n",
      SETFIT_VERSION_STRING);
  for (const auto& command : commands()) {
    out << fmt::format("  {:<10} {}\n", command.name, command.summary);
  }
  out << "\n" << global_options_description();
  out << "\nEnvironment:\n  SETFIT_PLUGIN_PATH  colon-separated plugin directories\n"
         "  SETFIT_ALLOCATOR    tcmalloc (default for train and sweep) or glibc\n";
  return out.str();
}

log::Level level_from(int verbose, int quiet) {
  int level = static_cast<int>(log::Level::Info) + verbose - quiet;
  level =
      std::clamp(level, static_cast<int>(log::Level::Error), static_cast<int>(log::Level::Trace));
  return static_cast<log::Level>(level);
}

int run(int argc, char** argv) {
  std::vector<std::string> args = expand_repeated_short_flags(argc, argv);

  po::options_description global = global_options_description();
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("command-args",
                                                            po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(global).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("command-args", -1);

  po::variables_map vm;
  po::parsed_options parsed{nullptr};
  try {
    parsed =
        po::command_line_parser(args)
            .options(all)
            .positional(positional)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .allow_unregistered()
            .run();
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("{}; see 'setfit --help'", e.what()));
  }

  int verbose = 0;
  int quiet = 0;
  for (const auto& option : parsed.options) {
    if (option.string_key == "verbose") ++verbose;
    if (option.string_key == "quiet") ++quiet;
  }
  log::set_level(level_from(verbose, quiet));

  GlobalOptions options;
  if (vm.count("plugin-dir")) {
    for (const auto& dir : vm["plugin-dir"].as<std::vector<std::string>>()) {
      options.plugin_dirs.emplace_back(dir);
    }
  }
  options.threads = vm["threads"].as<int>();
  if (vm.count("cache-dir")) options.cache_dir = vm["cache-dir"].as<std::string>();
  if (options.threads < 0) {
    throw UsageError(
        fmt::format("--threads must be 0 (one per core) or positive, got {}", options.threads));
  }
  options.verbose = verbose - quiet;
  options.command_line.assign(argv, argv + argc);
  configure_program(options);

  if (vm.count("version")) return print_version(options);

  // Words the global parser did not claim, in order: the verb, its arguments and its
  // options. Anything unrecognised before the verb is a global option that does not exist.
  std::vector<std::string> rest = po::collect_unrecognized(parsed.options, po::include_positional);
  if (!vm.count("command")) {
    if (!rest.empty())
      throw UsageError(fmt::format("unknown option '{}'; see 'setfit --help'", rest.front()));
    if (vm.count("help")) {
      fmt::print("{}", usage());
      return kExitOk;
    }
    fmt::print(stderr, "{}", usage());
    return kExitUsage;
  }
  const std::string verb = vm["command"].as<std::string>();
  auto verb_at = std::find(rest.begin(), rest.end(), verb);
  if (verb_at != rest.begin()) {
    throw UsageError(fmt::format("unknown option '{}'; see 'setfit --help'", rest.front()));
  }
  std::vector<std::string> verb_args(std::next(verb_at), rest.end());
  if (vm.count("help")) verb_args.push_back("--help");

  for (const auto& command : commands()) {
    if (verb == command.name) return command.run(options, verb_args);
  }
  std::vector<std::string> names;
  for (const auto& command : commands()) names.push_back(command.name);
  throw UsageError(fmt::format("unknown command '{}'; commands: {}; see 'setfit --help'", verb,
                               fmt::join(names, ", ")));
}

}  // namespace

namespace {

// Ends the process without running static destructors. Everything run() owned (stores,
// plugins, child processes) is gone by now; what is left are the libraries' statics, and
// LibTorch's take tens of milliseconds to tear down (its operator registry unregisters one
// kernel at a time), paid by every command. Streams are flushed first. Sanitized builds exit
// normally so that leak checks still run.
[[noreturn]] void leave(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  if (setfit::kAddressSanitizer) std::exit(code);
  std::_Exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  int code = kExitOk;
  try {
    code = run(argc, argv);
  } catch (const UsageError& e) {
    log::error("{}", e.what());
    code = kExitUsage;
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    code = kExitFailure;
  }
  leave(code);
}
