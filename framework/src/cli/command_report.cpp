// `setfit report DB [--sweep NAME] -o report.html`: one self-contained HTML file.

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/report.hpp"

namespace po = boost::program_options;

namespace setfit::cli {

int run_report(const GlobalOptions&, const std::vector<std::string>& args) {
  ReportOptions defaults;
  po::options_description options("Options for 'setfit report DB -o report.html'");
  options.add_options()("help,h", "Show this help")                                             //
      ("output,o", po::value<std::string>(), "The HTML file to write (its folder must exist)")  //
      ("sweep", po::value<std::string>()->default_value(""),
       "Only this sweep (name or id); default: every run in the store")  //
      ("where", po::value<std::string>()->default_value(""),
       "Only runs for which EXPR holds (as for setfit results)")  //
      ("curves",
       po::value<Count>()->default_value(Count{defaults.curve_runs},
                                         std::to_string(defaults.curve_runs)),
       "Draw the loss and evaluation curves of the N best finished runs (0: all)")  //
      ("leaderboard",
       po::value<Count>()->default_value(Count{defaults.leaderboard_rows},
                                         std::to_string(defaults.leaderboard_rows)),
       "Rows of the leaderboard table");
  const auto vm = parse_verb_arguments("report", args, options, {"db"});
  if (vm.count("help")) {
    std::cout << "Usage: setfit report DB [--sweep NAME|ID] [--where EXPR] -o report.html\n\n"
                 "One HTML file that opens with no network: the leaderboard (mean ± std over\n"
                 "seeds, n), the sweep's metric against each varied parameter with error bars,\n"
                 "training curves, parallel coordinates of the configurations, failed runs.\n\n"
              << options << "\n";
    return kExitOk;
  }
  if (!vm.count("db")) throw UsageError("setfit report needs the run store DB");
  if (!vm.count("output")) throw UsageError("setfit report needs -o FILE.html");
  ReportOptions report;
  report.sweep = vm["sweep"].as<std::string>();
  report.where = vm["where"].as<std::string>();
  report.curve_runs = vm["curves"].as<Count>().value;
  report.leaderboard_rows = vm["leaderboard"].as<Count>().value;
  const std::string out = vm["output"].as<std::string>();
  const ReportSummary summary = write_report(vm["db"].as<std::string>(), out, report);
  fmt::print(
      "{}: {} runs, {} configurations, {} failed, {} parameter charts, curves of {} runs "
      "({:.1f} MB)\n",
      out, summary.runs, summary.configs, summary.failed, summary.parameters, summary.curve_runs,
      static_cast<double>(summary.bytes) / 1e6);
  return kExitOk;
}

}  // namespace setfit::cli
