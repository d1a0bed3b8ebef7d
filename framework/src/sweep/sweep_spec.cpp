#include "sweep_spec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <sstream>

#include "../train/training_args_toml.hpp"
#include "setfit/errors.hpp"
#include "setfit/params.hpp"
#include "setfit/run_config.hpp"
#include "setfit/training_args.hpp"

namespace setfit {
namespace {

std::string at(const std::string& origin, const toml::node& node) {
  return detail::toml_position(origin, node);
}

// Entries of a table in the order they appear in the file (toml++ keeps them sorted).
std::vector<std::pair<std::string, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (const auto& [key, node] : table) entries.emplace_back(std::string(key.str()), &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& x = a.second->source().begin;
    const auto& y = b.second->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  return entries;
}

// Where one grid value goes: a config path, and for one half of a per-stage field the stage.
struct Setting {
  std::vector<std::string> path;
  std::string half;    // "", "embedding" or "classifier"
  toml::array holder;  // exactly one element: the value (toml++ nodes are copied this way)
  std::string where;   // file:line:column of the value (or of its distribution) in the sweep
};

using Choice = std::vector<Setting>;

struct Axis {
  std::string label;
  bool zip = false;  // a list of tables: its keys vary together
  const toml::node* where = nullptr;
  std::vector<Choice> choices;  // a list (grid, or "choice" in random search)
  // Random search distributions: uniform, log_uniform, int_uniform (on `target`).
  std::string distribution;
  double low = 0, high = 0;
  Setting target;
};

// The config schema answers every question about a key.
bool is_per_stage_field(const std::string& name) {
  const ConfigField* field = find_config_field("args", name);
  return field != nullptr && field->per_stage;
}

bool is_field_of(const std::string& table, const std::string& name) {
  return find_config_field(table, name) != nullptr;
}

// [model] keys that hold a plugin's parameters ("head_params", ...): NAME.KEY grid keys.
bool is_param_table(const std::string& name) {
  const ConfigField* field = find_config_field("model", name);
  return field != nullptr && field->type == "table";
}

std::vector<std::string> split(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// A grid key as written -> its path in the run config.
std::vector<std::string> resolve_key(const std::string& key, const std::string& origin,
                                     const toml::node& where) {
  static const std::set<std::string> tables = {"data", "model", "args", "eval"};
  auto parts = split(key);
  if (std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); }))
    throw Error(fmt::format("{}: [grid] key '{}' has an empty part", at(origin, where), key));
  if (parts.size() >= 2 && tables.count(parts[0])) return parts;
  if (parts.size() == 2 && is_param_table(parts[0])) return {"model", parts[0], parts[1]};
  if (parts.size() == 1) {
    for (const char* table : {"args", "model", "data"}) {
      if (is_field_of(table, key)) return {table, key};
    }
  }
  throw Error(fmt::format(
      "{}: [grid] unknown key '{}': expected a TrainingArguments field (batch_size, loss, ...), "
      "a [model] or [data] key (body, head, num_samples, ...), head_params.NAME, "
      "loss_params.NAME, sampler_params.NAME, or a table-qualified key such as model.body",
      at(origin, where), key));
}

Setting make_setting(std::vector<std::string> path, std::string half, const toml::node& value,
                     const std::string& origin) {
  Setting s{std::move(path), std::move(half), {}, at(origin, value)};
  value.visit([&](const auto& v) { s.holder.push_back(v); });
  return s;
}

// The per-stage value currently in `args` for `name`, as an [embedding, classifier] pair of
// nodes, falling back to TrainingArguments' defaults.
toml::array current_pair(const toml::table& args, const std::string& name) {
  toml::array pair;
  if (const toml::node* node = args.get(name)) {
    if (const auto* list = node->as_array(); list && list->size() == 2) return *list;
    node->visit([&](const auto& v) {
      pair.push_back(v);
      pair.push_back(v);
    });
    return pair;
  }
  // The defaults, as the records render them ("16", "2e-05"), read back as TOML values.
  static const auto default_records = TrainingArguments{}.records();
  for (const char* stage : {"embedding", "classifier"}) {
    for (const auto& record : default_records) {
      if (record.key != name || record.stage != stage) continue;
      const auto parsed = toml::parse("value = " + record.value_text);
      parsed.get("value")->visit([&](const auto& v) { pair.push_back(v); });
    }
  }
  return pair;
}

void apply(toml::table& config, const Setting& setting, std::vector<GridAssignment>& shown) {
  toml::table* table = &config;
  for (std::size_t i = 0; i + 1 < setting.path.size(); ++i) {
    toml::node* child = table->get(setting.path[i]);
    if (child == nullptr || !child->is_table()) {
      table->insert_or_assign(setting.path[i], toml::table{});
      child = table->get(setting.path[i]);
    }
    table = child->as_table();
  }
  const std::string& leaf = setting.path.back();
  const toml::node& value = *setting.holder.get(0);
  std::string key = fmt::format("{}", fmt::join(setting.path, "."));
  if (setting.half.empty()) {
    table->insert_or_assign(leaf, value);
  } else {
    toml::array pair = current_pair(*table, leaf);
    const std::size_t slot = setting.half == "embedding" ? 0 : 1;
    toml::array updated;
    for (std::size_t i = 0; i < 2; ++i) {
      if (i == slot)
        value.visit([&](const auto& v) { updated.push_back(v); });
      else
        pair.get(i)->visit([&](const auto& v) { updated.push_back(v); });
    }
    table->insert_or_assign(leaf, std::move(updated));
    key += "[" + setting.half + "]";
  }
  shown.push_back({key, render_toml_value(value), setting.where});
}

// One value of an axis: a plain value, or (a list of tables) settings that vary together.
Choice choice_of(const toml::node& value, const std::vector<std::string>& path,
                 const std::string& half, const std::string& origin, bool random) {
  if (const auto* table = value.as_table()) {
    if (table->contains("distribution")) {
      throw Error(fmt::format("{}: a distribution table cannot be one value of a list{}",
                              at(origin, value),
                              random ? "" : " (distributions need method = \"random\")"));
    }
    if (!half.empty())
      throw Error(
          fmt::format("{}: [grid.{}] values must be plain values", at(origin, value), half));
    Choice together;
    for (const auto& [key, inner] : in_file_order(*table))
      together.push_back(make_setting(resolve_key(key, origin, *inner), "", *inner, origin));
    if (together.empty())
      throw Error(fmt::format("{}: an empty table is not a grid value", at(origin, value)));
    return together;
  }
  return {make_setting(path, half, value, origin)};
}

Axis read_axis(const std::string& key, const toml::node& node, const std::string& half,
               const std::string& origin, bool random) {
  Axis axis;
  axis.label = half.empty() ? key : fmt::format("{}[{}]", key, half);
  axis.where = &node;
  const bool zip_group = node.is_array() && !node.as_array()->empty() &&
                         node.as_array()->get(0)->is_table() &&
                         !node.as_array()->get(0)->as_table()->contains("distribution");
  axis.zip = zip_group;
  std::vector<std::string> path;
  if (!zip_group) {
    path = resolve_key(key, origin, node);
    if (!half.empty() && !(path.size() == 2 && path[0] == "args" && is_per_stage_field(path[1]))) {
      throw Error(
          fmt::format("{}: [grid.{}] key '{}' is not a per-stage field (batch_size, num_epochs, "
                      "body_learning_rate)",
                      at(origin, node), half, key));
    }
  }
  if (const auto* list = node.as_array()) {
    if (list->empty())
      throw Error(fmt::format("{}: [grid] '{}' needs at least one value", at(origin, node), key));
    // A zip group's entries name their own keys: a bare value among them has none.
    for (std::size_t i = 0; zip_group && i < list->size(); ++i) {
      if (!list->get(i)->is_table()) {
        throw Error(
            fmt::format("{}: [grid] '{}' is a zip group (a list of tables), but entry {} "
                        "is not a table",
                        at(origin, *list->get(i)), key, i + 1));
      }
    }
    for (const auto& value : *list)
      axis.choices.push_back(choice_of(value, path, half, origin, random));
    return axis;
  }
  const auto* table = node.as_table();
  if (!random && table != nullptr && table->contains("distribution")) {
    throw Error(fmt::format("{}: [grid] '{}': a distribution table needs method = \"random\"",
                            at(origin, node), key));
  }
  if (!random || table == nullptr || !table->contains("distribution")) {
    throw Error(fmt::format(
        "{}: [grid] '{}' must be a list of values{}", at(origin, node), key,
        random ? " or a distribution table {distribution = \"uniform\", low = ..., high = ...}"
               : " (a single value belongs in the fixed tables)"));
  }
  const auto distribution = table->get("distribution")->value<std::string>();
  static const std::set<std::string> known = {"uniform", "log_uniform", "int_uniform", "choice"};
  if (!distribution || !known.count(*distribution)) {
    throw Error(
        fmt::format("{}: [grid] '{}': distribution must be uniform, log_uniform, "
                    "int_uniform or choice",
                    at(origin, *table->get("distribution")), key));
  }
  if (*distribution == "choice") {
    const auto* values = table->get_as<toml::array>("values");
    if (values == nullptr || values->empty())
      throw Error(fmt::format("{}: [grid] '{}': choice needs a non-empty values list",
                              at(origin, node), key));
    for (const auto& value : *values)
      axis.choices.push_back(choice_of(value, path, half, origin, random));
    return axis;
  }
  const toml::node* low_node = table->get("low");
  const toml::node* high_node = table->get("high");
  if (low_node == nullptr || high_node == nullptr || !low_node->is_number() ||
      !high_node->is_number()) {
    throw Error(fmt::format("{}: [grid] '{}': {} needs numbers low and high", at(origin, node), key,
                            *distribution));
  }
  const double low_value = low_node->value<double>().value_or(0.0);
  const double high_value = high_node->value<double>().value_or(0.0);
  const double* low = &low_value;
  const double* high = &high_value;
  if (*low > *high)
    throw Error(
        fmt::format("{}: [grid] '{}': {} needs low <= high", at(origin, node), key, *distribution));
  if (*distribution == "log_uniform" && *low <= 0)
    throw Error(fmt::format("{}: [grid] '{}': log_uniform needs low > 0", at(origin, node), key));
  if (*distribution == "int_uniform" && (std::floor(*low) != *low || std::floor(*high) != *high))
    throw Error(
        fmt::format("{}: [grid] '{}': int_uniform needs integer bounds", at(origin, node), key));
  axis.distribution = *distribution;
  axis.low = *low;
  axis.high = *high;
  axis.target = Setting{path, half, {}, at(origin, node)};
  return axis;
}

// A uniform double in [0, 1) from 53 random bits: the same on every platform.
double unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

Choice draw(const Axis& axis, std::mt19937_64& rng) {
  if (axis.distribution.empty())
    return axis.choices[static_cast<std::size_t>(rng() % axis.choices.size())];
  Setting setting = axis.target;
  if (axis.distribution == "uniform") {
    setting.holder.push_back(axis.low + unit(rng) * (axis.high - axis.low));
  } else if (axis.distribution == "log_uniform") {
    setting.holder.push_back(
        std::exp(std::log(axis.low) + unit(rng) * (std::log(axis.high) - std::log(axis.low))));
  } else {
    const auto low = static_cast<std::int64_t>(axis.low),
               high = static_cast<std::int64_t>(axis.high);
    setting.holder.push_back(
        low + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(high - low + 1)));
  }
  return {setting};
}

SweepHeader read_header(const toml::table& doc, const std::string& origin) {
  const toml::node* node = doc.get("sweep");
  if (node == nullptr || !node->is_table())
    throw Error(fmt::format("{}: a sweep needs a [sweep] table with at least name", origin));
  const auto& table = *node->as_table();
  static const std::set<std::string> known = {"name",        "seeds",  "method",   "trials",
                                              "search_seed", "metric", "direction"};
  for (const auto& [key, value] : table) {
    if (!known.count(std::string(key.str()))) {
      throw Error(fmt::format("{}: [sweep] unknown key '{}'; known: {}", at(origin, value),
                              key.str(), fmt::join(known, ", ")));
    }
  }
  SweepHeader header;
  auto text = [&](const char* key, std::string fallback) {
    const toml::node* value = table.get(key);
    if (value == nullptr) return fallback;
    if (!value->is_string())
      throw Error(fmt::format("{}: [sweep] '{}' must be a string", at(origin, *value), key));
    return *value->value<std::string>();
  };
  header.name = text("name", "");
  if (header.name.empty()) throw Error(fmt::format("{}: [sweep] needs a name", at(origin, *node)));
  header.method = text("method", "grid");
  if (header.method != "grid" && header.method != "random") {
    throw Error(fmt::format("{}: [sweep] method must be \"grid\" or \"random\", got \"{}\"",
                            at(origin, *table.get("method")), header.method));
  }
  header.metric = text("metric", "accuracy");
  header.direction = text("direction", "maximize");
  if (header.direction != "maximize" && header.direction != "minimize") {
    throw Error(fmt::format("{}: [sweep] direction must be \"maximize\" or \"minimize\"",
                            at(origin, *table.get("direction"))));
  }
  if (const toml::node* seeds = table.get("seeds")) {
    const auto* list = seeds->as_array();
    if (list == nullptr || list->empty())
      throw Error(fmt::format("{}: [sweep] seeds must be a non-empty list of integers",
                              at(origin, *seeds)));
    for (const auto& seed : *list) {
      if (!seed.is_integer())
        throw Error(fmt::format("{}: [sweep] seeds must be integers", at(origin, seed)));
      header.seeds.push_back(*seed.value<std::int64_t>());
    }
  }
  auto integer = [&](const char* key) -> std::optional<std::int64_t> {
    const toml::node* value = table.get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_integer())
      throw Error(fmt::format("{}: [sweep] '{}' must be an integer", at(origin, *value), key));
    return *value->value<std::int64_t>();
  };
  if (header.method == "random") {
    const auto trials = integer("trials");
    if (!trials || *trials < 1)
      throw Error(
          fmt::format("{}: [sweep] random search needs trials = N (N >= 1)", at(origin, *node)));
    header.trials = *trials;
    header.search_seed = static_cast<std::uint64_t>(integer("search_seed").value_or(0));
  } else if (table.contains("trials") || table.contains("search_seed")) {
    throw Error(fmt::format("{}: [sweep] trials and search_seed need method = \"random\"",
                            at(origin, *node)));
  }
  return header;
}

}  // namespace

std::string render_toml_value(const toml::node& node) {
  if (const auto* d = node.as_floating_point()) return format_float(d->get());
  if (const auto* i = node.as_integer()) return format_value(i->get());
  if (const auto* b = node.as_boolean()) return format_value(b->get());
  if (const auto* s = node.as_string()) return format_value(s->get());
  if (const auto* list = node.as_array()) {
    std::vector<std::string> items;
    for (const auto& item : *list) items.push_back(render_toml_value(item));
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
  if (const auto* table = node.as_table()) {
    std::vector<std::string> items;
    for (const auto& [key, value] : in_file_order(*table))
      items.push_back(fmt::format("{} = {}", key, render_toml_value(*value)));
    return fmt::format("{{{}}}", fmt::join(items, ", "));
  }
  std::ostringstream out;
  node.visit([&](const auto& n) { out << n; });
  return out.str();
}

std::string settings_label(const ExpandedRun& run, const std::string& separator,
                           const std::string& skip_key) {
  std::vector<std::string> settings;
  for (const auto& a : run.assignments) {
    if (a.key != skip_key) settings.push_back(a.key + "=" + a.value);
  }
  return settings.empty() ? "(the fixed config)"
                          : fmt::format("{}", fmt::join(settings, separator));
}

ExpandedSweep expand_sweep(const toml::table& doc, const std::string& origin,
                           std::size_t max_runs) {
  static const std::set<std::string> top = {"sweep", "data", "model", "args", "eval", "grid"};
  for (const auto& [key, value] : doc) {
    if (!top.count(std::string(key.str()))) {
      throw Error(
          fmt::format("{}: unknown table [{}]; a sweep has [sweep], [data], [model], "
                      "[args], [eval] and [grid]",
                      at(origin, value), key.str()));
    }
  }
  ExpandedSweep out;
  out.header = read_header(doc, origin);
  const bool random = out.header.method == "random";
  toml::table base;
  for (const char* name : {"data", "model", "args", "eval"}) {
    if (const toml::node* node = doc.get(name)) {
      if (!node->is_table())
        throw Error(fmt::format("{}: [{}] must be a table", at(origin, *node), name));
      base.insert_or_assign(name, *node->as_table());
    }
  }
  std::vector<Axis> axes;
  if (const toml::node* grid = doc.get("grid")) {
    if (!grid->is_table())
      throw Error(fmt::format("{}: [grid] must be a table", at(origin, *grid)));
    for (const auto& [name, node] : in_file_order(*grid->as_table())) {
      if ((name == "embedding" || name == "classifier") && node->is_table()) {
        for (const auto& [inner_key, inner] : in_file_order(*node->as_table()))
          axes.push_back(read_axis(inner_key, *inner, name, origin, random));
        continue;
      }
      axes.push_back(read_axis(name, *node, "", origin, random));
    }
  }

  // What the sweep varies, for results queries: each axis's config paths.
  for (const auto& axis : axes) {
    const std::string kind = random ? "random" : axis.zip ? "zip" : "grid";
    std::vector<const Setting*> settings;
    if (!axis.distribution.empty()) settings.push_back(&axis.target);
    for (const auto& choice : axis.choices) {
      for (const auto& setting : choice) settings.push_back(&setting);
    }
    for (const Setting* setting : settings) {
      std::string key = fmt::format("{}", fmt::join(setting->path, "."));
      if (!setting->half.empty()) key += "[" + setting->half + "]";
      const bool known = std::any_of(out.varied.begin(), out.varied.end(),
                                     [&](const VariedParameter& v) { return v.key == key; });
      if (!known) out.varied.push_back({key, kind});
    }
  }
  if (!out.header.seeds.empty()) out.varied.push_back({"args.seed", "seeds"});

  // The size is counted (in floating point: a large grid overflows any integer) before
  // anything is expanded, so that a 10^12-run grid is an error, not an out-of-memory kill.
  {
    const double seeds = static_cast<double>(std::max<std::size_t>(1, out.header.seeds.size()));
    double runs = seeds;
    std::vector<std::string> factors;
    if (random) {
      runs *= static_cast<double>(out.header.trials);
      factors.push_back(fmt::format("{} trials", out.header.trials));
    } else {
      for (const auto& axis : axes) {
        runs *= static_cast<double>(axis.choices.size());
        factors.push_back(fmt::format("{}", axis.choices.size()));
      }
    }
    factors.push_back(fmt::format("{} seed{}", seeds, seeds == 1 ? "" : "s"));
    if (runs > static_cast<double>(max_runs)) {
      throw Error(
          fmt::format("{}: the sweep has {:.0f} runs ({}), more than the limit of {}; "
                      "narrow the grid, or raise the limit with --max-runs",
                      origin, runs, fmt::join(factors, " x "), max_runs));
    }
  }

  // Every combination of choices (grid) or one draw per trial (random).
  std::vector<std::vector<Choice>> combinations;
  if (random) {
    std::mt19937_64 rng(out.header.search_seed);
    for (std::int64_t t = 0; t < out.header.trials; ++t) {
      std::vector<Choice> drawn;
      for (const auto& axis : axes) drawn.push_back(draw(axis, rng));
      combinations.push_back(std::move(drawn));
    }
  } else {
    combinations.emplace_back();
    for (const auto& axis : axes) {
      std::vector<std::vector<Choice>> next;
      for (const auto& partial : combinations) {
        for (const auto& choice : axis.choices) {
          next.push_back(partial);
          next.back().push_back(choice);
        }
      }
      combinations = std::move(next);
    }
  }
  const std::vector<std::optional<std::int64_t>> seeds = [&] {
    std::vector<std::optional<std::int64_t>> s;
    for (auto seed : out.header.seeds) s.emplace_back(seed);
    if (s.empty()) s.emplace_back(std::nullopt);
    return s;
  }();
  for (const auto& combination : combinations) {
    for (const auto& seed : seeds) {
      ExpandedRun run;
      run.index = out.runs.size();
      run.config = base;
      for (const auto& choice : combination) {
        for (const auto& setting : choice) apply(run.config, setting, run.assignments);
      }
      if (seed) {
        toml::node_view args = run.config["args"];
        if (!args) run.config.insert_or_assign("args", toml::table{});
        run.config["args"].as_table()->insert_or_assign("seed", *seed);
        run.assignments.push_back({"args.seed", std::to_string(*seed), ""});
      }
      out.runs.push_back(std::move(run));
    }
  }
  return out;
}

}  // namespace setfit
