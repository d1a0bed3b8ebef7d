// `setfit results list|best|compare|sql DB ...`: what a run store holds, as tables.

#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <sstream>

#include "command.hpp"
#include "setfit/errors.hpp"
#include "setfit/results.hpp"

namespace po = boost::program_options;

namespace setfit::cli {
namespace {

const char* kUsage =
    "Usage: setfit results list DB [--sweep NAME|ID] [--sort KEY] [--limit N] [--format F]\n"
    "       setfit results best DB [--sweep S] [--metric NAME] [--direction max|min] [--top K]\n"
    "                              [--per run|config] [--format F]\n"
    "       setfit results compare DB [--sweep S] [--group-by PARAM ...] [--metric NAME ...]\n"
    "                                 [--agg mean,std,sem,min,max,n,ci95] [--format F]\n"
    "       setfit results diff DB A B [--sweep S] [--metric NAME] [--format F]\n"
    "                              (A, B: config numbers from compare, or --where expressions)\n"
    "       setfit results sql DB \"SELECT ...\" [--format F]\n"
    "       setfit results merge OUT.db SHARD.db ... [--prefer first|last]\n"
    "F: table (default), csv, json, jsonl, markdown, latex";

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::stringstream list(value);
    for (std::string item; std::getline(list, item, ',');) {
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

void add_common(po::options_description& options) {
  options.add_options()("help,h", "Show this help")  //
      ("format", po::value<std::string>()->default_value("table"),
       "table, csv, json, jsonl, markdown or latex");
}

void add_selection(po::options_description& options) {
  options.add_options()("sweep", po::value<std::string>()->default_value(""),
                        "Only this sweep (name or id); default: every run in the store")  //
      ("where", po::value<std::string>()->default_value(""),
       "Only runs for which EXPR holds, e.g. \"head = 'linear' and accuracy > 0.8\"");
}

ResultQuery selection(const po::variables_map& vm) {
  return {vm["sweep"].as<std::string>(), vm["where"].as<std::string>()};
}

int print(const ResultTable& table, const po::variables_map& vm) {
  std::cout << render_table(table, result_format_from_string(vm["format"].as<std::string>()));
  return kExitOk;
}

bool wants_help(const po::variables_map& vm, const po::options_description& options,
                const char* what) {
  if (!vm.count("help")) return false;
  std::cout << kUsage << "\n\n" << what << "\n\n" << options << "\n";
  return true;
}

std::string store_of(const po::variables_map& vm, const char* verb) {
  if (!vm.count("db"))
    throw UsageError(fmt::format("setfit results {} needs the run store DB", verb));
  return vm["db"].as<std::string>();
}

int list(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit results list DB'");
  add_common(options);
  add_selection(options);
  options.add_options()("sort", po::value<std::string>()->default_value(""),
                        "A column (short names work: accuracy, batch_size); metrics best first")  //
      ("limit", po::value<Count>()->default_value(Count{0}, "0"), "At most N rows (0: all)");
  const auto vm = parse_verb_arguments("results list", args, options, {"db"});
  if (wants_help(vm, options, "A row per run: status, the parameters that vary, the metrics."))
    return kExitOk;
  auto query = selection(vm);
  query.varied_only = true;  // list shows only what varies
  const auto results = load_results(store_of(vm, "list"), query);
  return print(list_runs(results, vm["sort"].as<std::string>(), vm["limit"].as<Count>().value), vm);
}

int best(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit results best DB'");
  add_common(options);
  add_selection(options);
  options.add_options()("metric", po::value<std::string>()->default_value(""),
                        "Default: the sweep's metric")  //
      ("direction", po::value<std::string>()->default_value(""),
       "max or min (default: the sweep's)")                                  //
      ("top", po::value<Count>()->default_value(Count{5}, "5"), "How many")  //
      ("per", po::value<std::string>()->default_value("config"),
       "config (mean over seeds, n shown) or run");
  const auto vm = parse_verb_arguments("results best", args, options, {"db"});
  if (wants_help(vm, options, "The best configurations (or runs) by a metric.")) return kExitOk;
  const std::string per = vm["per"].as<std::string>();
  if (per != "config" && per != "run")
    throw UsageError(fmt::format("--per must be config or run, got '{}'", per));
  const auto results = load_results(store_of(vm, "best"), selection(vm));
  BestOptions best;
  best.metric = vm["metric"].as<std::string>();
  best.direction = vm["direction"].as<std::string>();
  best.top = vm["top"].as<Count>().value;
  best.per_run = per == "run";
  return print(best_configs(results, best), vm);
}

int compare(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit results compare DB'");
  add_common(options);
  add_selection(options);
  options.add_options()("group-by", po::value<std::vector<std::string>>()->composing(),
                        "Parameters to group by (default: every varied one but the seed)")  //
      ("metric", po::value<std::vector<std::string>>()->composing(),
       "Metrics (default: the sweep's)")  //
      ("agg", po::value<std::string>()->default_value("mean,std,n"),
       "Aggregates over seeds: mean, std (sample), sem, min, max, n, ci95");
  const auto vm = parse_verb_arguments("results compare", args, options, {"db"});
  if (wants_help(vm, options, "Configurations over seeds: mean, std, n, ...")) return kExitOk;
  const auto results = load_results(store_of(vm, "compare"), selection(vm));
  CompareOptions compare;
  if (vm.count("group-by"))
    compare.group_by = split_commas(vm["group-by"].as<std::vector<std::string>>());
  if (vm.count("metric"))
    compare.metrics = split_commas(vm["metric"].as<std::vector<std::string>>());
  compare.aggregates.clear();
  for (const auto& name : split_commas({vm["agg"].as<std::string>()}))
    compare.aggregates.push_back(aggregate_from_string(name));
  return print(compare_configs(results, compare), vm);
}

int diff(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit results diff DB A B'");
  add_common(options);
  add_selection(options);
  options.add_options()("metric", po::value<std::string>()->default_value(""),
                        "Default: the sweep's metric");
  const auto vm = parse_verb_arguments("results diff", args, options, {"db", "a", "b"});
  if (wants_help(vm, options,
                 "A paired comparison of configurations A and B over the seeds both have: mean\n"
                 "difference A - B, its standard error, seeds won, sign test and paired t test\n"
                 "p-values. A and B are the numbers `results compare` prints, or selections\n"
                 "in the --where language (\"head = 'linear' and batch_size = 16\") that each\n"
                 "hold one finished run per seed."))
    return kExitOk;
  if (!vm.count("a") || !vm.count("b"))
    throw UsageError("setfit results diff needs two configurations A and B");
  const std::string db = store_of(vm, "diff");
  const ResultQuery base = selection(vm);
  const std::string metric = vm["metric"].as<std::string>();
  std::optional<ResultSet> all;  // loaded only when a side is a configuration number
  // A side is a configuration number (as compare prints them) or a --where expression.
  const auto side = [&](const std::string& text) {
    const bool number =
        !text.empty() && text.size() < 10 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (number) {
      if (!all) all = load_results(db, base);
      return config_runs(*all, std::stoul(text), metric);
    }
    ResultQuery query = base;
    query.where = base.where.empty() ? text : "(" + base.where + ") and (" + text + ")";
    return load_results(db, query);
  };
  const auto difference =
      paired_difference(side(vm["a"].as<std::string>()), side(vm["b"].as<std::string>()), metric);
  return print(paired_difference_table(difference), vm);
}

int sql(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit results sql DB QUERY'");
  add_common(options);
  const auto vm = parse_verb_arguments("results sql", args, options, {"db", "query"});
  if (wants_help(vm, options, "One read-only SELECT on the store (writes are refused)."))
    return kExitOk;
  if (!vm.count("query")) throw UsageError("setfit results sql needs a query");
  return print(read_only_query(store_of(vm, "sql"), vm["query"].as<std::string>()), vm);
}

int merge(const std::vector<std::string>& args) {
  po::options_description options("Options for 'setfit results merge OUT.db SHARD.db ...'");
  options.add_options()("help,h", "Show this help")  //
      ("prefer", po::value<std::string>()->default_value(""),
       "first or last: which of two FINISHED runs of one key with different results to keep")  //
      ("stores", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("stores", -1);
  po::variables_map vm;
  parse_verb_options("results merge", args, options, positional, vm);
  if (wants_help(vm, options,
                 "Folds stores made on several machines into OUT (created when absent): sweeps\n"
                 "by name, runs by run key; the better-ended attempt wins. Shards are not\n"
                 "modified; merging a shard twice changes nothing."))
    return kExitOk;
  const auto stores =
      vm.count("stores") ? vm["stores"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (stores.size() < 2)
    throw UsageError("setfit results merge needs OUT.db and at least one shard");
  const std::string prefer_text = vm["prefer"].as<std::string>();
  MergePreference prefer = MergePreference::None;
  if (prefer_text == "first")
    prefer = MergePreference::First;
  else if (prefer_text == "last")
    prefer = MergePreference::Last;
  else if (!prefer_text.empty())
    throw UsageError(fmt::format("--prefer must be first or last, got '{}'", prefer_text));
  const std::vector<std::filesystem::path> shards(stores.begin() + 1, stores.end());
  const MergeReport report = merge_stores(stores.front(), shards, prefer);
  for (const auto& conflict : report.conflicts) fmt::print(stderr, "conflict: {}\n", conflict);
  fmt::print(
      "{}: {} sweeps added, {} runs added, {} replaced by better-ended attempts, {} "
      "unchanged; integrity {}\n",
      stores.front(), report.sweeps_added, report.runs_added, report.runs_replaced,
      report.runs_unchanged, report.integrity);
  if (!report.committed) {
    fmt::print(stderr,
               "shards with runs that finished with different results were not merged: rerun "
               "with --prefer first or --prefer last\n");
    return kExitFailure;
  }
  return report.integrity == "ok" ? kExitOk : kExitFailure;
}

}  // namespace

int run_results(const GlobalOptions&, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage << "\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "list") return list(rest);
  if (args[0] == "best") return best(rest);
  if (args[0] == "compare") return compare(rest);
  if (args[0] == "diff") return diff(rest);
  if (args[0] == "sql") return sql(rest);
  if (args[0] == "merge") return merge(rest);
  throw UsageError(fmt::format("setfit results: unknown subcommand '{}'\n{}", args[0], kUsage));
}

}  // namespace setfit::cli
