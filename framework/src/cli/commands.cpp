#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <charconv>

#include "command.hpp"
#include "setfit/errors.hpp"

namespace po = boost::program_options;

namespace setfit::cli {

// The verbs of both programs; the front end's definitions of the verbs it does not run itself
// hand them over to the engine.
const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"encode", "Sentence embeddings of texts with a model", run_encode},
      {"fetch", "Download and build a default asset (glove-100d) into the cache", run_fetch},
      {"model", "Describe a model folder (architecture, dimensions, tokeniser)", run_model},
      {"plugins", "List, inspect and check loss, head and sampler plugins", run_plugins},
      {"predict", "Labels or probabilities of texts from a trained SetFit model", run_predict},
      {"report", "Write a self-contained HTML report of a run store (charts, leaderboard)",
       run_report},
      {"results", "Query a run store: runs, best configurations, comparisons over seeds, SQL",
       run_results},
      {"sweep", "Expand, run (resumably, into a run store) and inspect sweeps", run_sweep_verb},
      {"train", "Train and evaluate a SetFit model from a TOML config", run_train},
  };
  return all;
}

po::options_description global_options_description() {
  po::options_description global("Global options");
  global.add_options()                                                          //
      ("help,h", "Show help (for a command: setfit COMMAND --help)")            //
      ("version", "Show the versions of setfit, LibTorch and the BLAS in use")  //
      ("verbose,v", po::value<std::vector<std::string>>()->zero_tokens()->composing(),
       "More output (repeat for more: -v debug, -vv trace)")  //
      ("quiet,q", po::value<std::vector<std::string>>()->zero_tokens()->composing(),
       "Less output (-q warnings and errors only, -qq errors only)")  //
      ("plugin-dir", po::value<std::vector<std::string>>()->composing(),
       "Also load plugins from DIR (repeatable; searched before SETFIT_PLUGIN_PATH and the "
       "built-in plugins)")  //
      ("threads", po::value<int>()->default_value(0),
       "LibTorch intra-op threads (0: one per core)")  //
      ("cache-dir", po::value<std::string>(),
       "Where fetched models and data live (default $XDG_CACHE_HOME/setfit or ~/.cache/setfit)");
  return global;
}

void validate(boost::any& out, const std::vector<std::string>& values, Count*, int) {
  po::validators::check_first_occurrence(out);
  const std::string& text = po::validators::get_single_string(values);
  Count count;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, count.value);
  if (text.empty() || error != std::errc() || stop != end) {
    throw po::error_with_option_name("the argument ('" + text +
                                     "') for option '%canonical_option%' must be a whole "
                                     "number, 0 or more");
  }
  out = count;
}

void parse_verb_options(const std::string& verb, const std::vector<std::string>& args,
                        const po::options_description& options,
                        const po::positional_options_description& positional,
                        po::variables_map& out) {
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), out);
    po::notify(out);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("setfit {}: {}; see 'setfit {} --help'", verb, e.what(), verb));
  }
}

po::variables_map parse_verb_arguments(const std::string& verb,
                                       const std::vector<std::string>& args,
                                       const po::options_description& options,
                                       std::initializer_list<const char*> arguments) {
  po::options_description hidden;
  po::positional_options_description positional;
  for (const char* name : arguments) {
    hidden.add_options()(name, po::value<std::string>());
    positional.add(name, 1);
  }
  po::options_description all;
  all.add(options).add(hidden);
  po::variables_map vm;
  parse_verb_options(verb, args, all, positional, vm);
  return vm;
}

}  // namespace setfit::cli
