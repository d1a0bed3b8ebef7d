#include "setfit/training_args.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <type_traits>
#include <utility>

#include "../core/nearest_name.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "training_args_toml.hpp"

namespace setfit {
namespace {

// Where a key sits: "file:line:column: [args] key 'name'".
struct Where {
  std::string origin;
  std::string table;
  std::string key;
  toml::source_position position;
  std::string placed_label;  // for values without a position ("--set", "grid value")

  std::string str() const {
    // Values given with `--set` have no position in any file.
    if (position.line == 0) return fmt::format("{} {}.{}", placed_label, table, key);
    return fmt::format("{}:{}:{}: [{}] key '{}'", origin, position.line, position.column, table,
                       key);
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("{}: {}", str(), what));
  }
};

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

std::int64_t read_int(const toml::node& node, const Where& where) {
  if (!node.is_integer()) where.fail(fmt::format("expected an integer, got {}", type_name(node)));
  return *node.value<std::int64_t>();
}

double read_float(const toml::node& node, const Where& where) {
  if (!node.is_number()) where.fail(fmt::format("expected a number, got {}", type_name(node)));
  const double value = *node.value<double>();
  // TOML allows nan and inf; no training argument means anything with them.
  if (!std::isfinite(value))
    where.fail(fmt::format("expected a finite number, got {}", format_float(value)));
  return value;
}

bool read_bool(const toml::node& node, const Where& where) {
  if (!node.is_boolean())
    where.fail(fmt::format("expected true or false, got {}", type_name(node)));
  return *node.value<bool>();
}

std::string read_string(const toml::node& node, const Where& where) {
  if (!node.is_string()) where.fail(fmt::format("expected a string, got {}", type_name(node)));
  return *node.value<std::string>();
}

// One value for both stages, or [embedding, classifier].
template <typename T, typename Read>
PerStage<T> read_per_stage(const toml::node& node, const Where& where, Read read,
                           const char* what) {
  if (const auto* list = node.as_array()) {
    if (list->size() != 2) {
      where.fail(
          fmt::format("expected {} or a list of two ([embedding, classifier]), got a list of {}",
                      what, list->size()));
    }
    Where first = where, second = where;
    first.position = (*list)[0].source().begin;
    second.position = (*list)[1].source().begin;
    return PerStage<T>(read((*list)[0], first), read((*list)[1], second));
  }
  const bool fits = std::is_integral_v<T> ? node.is_integer() : node.is_number();
  if (!fits) {
    where.fail(fmt::format("expected {} or a list of two ([embedding, classifier]), got {}", what,
                           type_name(node)));
  }
  return PerStage<T>(read(node, where));
}

std::string text_of(double v) {
  return format_float(v);
}

struct Value {
  std::string text;
  std::optional<double> num;
};
Value value_of(std::int64_t v) {
  return {fmt::format("{}", v), static_cast<double>(v)};
}
Value value_of(double v) {
  return {text_of(v), v};
}
Value value_of(bool v) {
  return {v ? "true" : "false", v ? 1.0 : 0.0};
}
Value value_of(const std::string& v) {
  return {fmt::format("\"{}\"", v), std::nullopt};
}
template <typename T>
Value value_of(const std::optional<T>& v) {
  return v ? value_of(*v) : Value{"unset", std::nullopt};
}

struct Field {
  ArgSpec spec;
  std::function<void(TrainingArguments&, const toml::node&, const Where&)> set;
  // (stage, value) pairs: two for per-stage fields, one "global" otherwise.
  std::function<std::vector<std::pair<std::string, Value>>(const TrainingArguments&)> get;
};

template <typename T>
std::vector<std::pair<std::string, Value>> global(const T& v) {
  return {{"global", value_of(v)}};
}
template <typename T>
std::vector<std::pair<std::string, Value>> both(const PerStage<T>& v) {
  return {{"embedding", value_of(v.embedding)}, {"classifier", value_of(v.classifier)}};
}

#define SETFIT_INT_FIELD(NAME, DOC)                                     \
  Field {                                                               \
    {#NAME, "int", false, "", DOC},                                     \
        [](TrainingArguments& a, const toml::node& n, const Where& w) { \
          a.NAME = read_int(n, w);                                      \
        },                                                              \
        [](const TrainingArguments& a) { return global(a.NAME); }       \
  }
#define SETFIT_OPTIONAL_INT_FIELD(NAME, DOC)                            \
  Field {                                                               \
    {#NAME, "int?", false, "", DOC},                                    \
        [](TrainingArguments& a, const toml::node& n, const Where& w) { \
          a.NAME = read_int(n, w);                                      \
        },                                                              \
        [](const TrainingArguments& a) { return global(a.NAME); }       \
  }
#define SETFIT_FLOAT_FIELD(NAME, DOC)                                   \
  Field {                                                               \
    {#NAME, "float", false, "", DOC},                                   \
        [](TrainingArguments& a, const toml::node& n, const Where& w) { \
          a.NAME = read_float(n, w);                                    \
        },                                                              \
        [](const TrainingArguments& a) { return global(a.NAME); }       \
  }
#define SETFIT_BOOL_FIELD(NAME, DOC)                                    \
  Field {                                                               \
    {#NAME, "bool", false, "", DOC},                                    \
        [](TrainingArguments& a, const toml::node& n, const Where& w) { \
          a.NAME = read_bool(n, w);                                     \
        },                                                              \
        [](const TrainingArguments& a) { return global(a.NAME); }       \
  }
#define SETFIT_STRING_FIELD(NAME, DOC)                                  \
  Field {                                                               \
    {#NAME, "string", false, "", DOC},                                  \
        [](TrainingArguments& a, const toml::node& n, const Where& w) { \
          a.NAME = read_string(n, w);                                   \
        },                                                              \
        [](const TrainingArguments& a) { return global(a.NAME); }       \
  }

// The default texts of the schema, from a default-constructed TrainingArguments, so that a
// default is written once: in the struct.
std::vector<Field> with_default_texts(std::vector<Field> all) {
  const TrainingArguments defaults;
  for (auto& field : all) {
    std::vector<std::string> texts;
    for (const auto& [stage, value] : field.get(defaults)) texts.push_back(value.text);
    field.spec.default_text =
        texts.size() == 1 ? texts.front() : fmt::format("[{}]", fmt::join(texts, ", "));
  }
  return all;
}

const std::vector<Field>& fields() {
  static const std::vector<Field> all = with_default_texts({
      Field{{"batch_size", "int", true, "",
             "Stage 1: pairs per step; stage 2: examples per step (differentiable head)"},
            [](TrainingArguments& a, const toml::node& n, const Where& w) {
              a.batch_size = read_per_stage<std::int64_t>(n, w, read_int, "an integer");
            },
            [](const TrainingArguments& a) { return both(a.batch_size); }},
      Field{{"num_epochs", "int", true, "",
             "Epochs over the pairs; epochs of head training. [0, N] skips stage 1 (linear probe)"},
            [](TrainingArguments& a, const toml::node& n, const Where& w) {
              a.num_epochs = read_per_stage<std::int64_t>(n, w, read_int, "an integer");
            },
            [](const TrainingArguments& a) { return both(a.num_epochs); }},
      SETFIT_INT_FIELD(max_steps,
                       "> 0: stage 1 stops after this many steps and draws at most max_steps * "
                       "batch_size[0] pairs"),
      SETFIT_STRING_FIELD(sampling_strategy, "Pair sampler plugin"),
      SETFIT_OPTIONAL_INT_FIELD(
          num_iterations, "> 0: R * n positive and R * n negative pairs, overriding the strategy"),
      Field{{"body_learning_rate", "float", true, "",
             "Stage 1 learning rate; body learning rate in stage 2 when end_to_end"},
            [](TrainingArguments& a, const toml::node& n, const Where& w) {
              a.body_learning_rate = read_per_stage<double>(n, w, read_float, "a number");
            },
            [](const TrainingArguments& a) { return both(a.body_learning_rate); }},
      SETFIT_FLOAT_FIELD(head_learning_rate, "Learning rate of a differentiable head"),
      SETFIT_STRING_FIELD(loss, "Loss plugin of stage 1"),
      SETFIT_STRING_FIELD(distance_metric,
                          "cosine, euclidean or manhattan, for losses that take one"),
      Field{{"margin", "float?", false, "", "Unset: the loss's own default margin"},
            [](TrainingArguments& a, const toml::node& n, const Where& w) {
              a.margin = read_float(n, w);
            },
            [](const TrainingArguments& a) { return global(a.margin); }},
      SETFIT_BOOL_FIELD(end_to_end, "Stage 2 also trains the body (differentiable head)"),
      SETFIT_BOOL_FIELD(use_amp, "Mixed precision (bf16 autocast on supporting CPUs)"),
      SETFIT_BOOL_FIELD(dedupe_pair_texts,
                        "Stage 1 encodes each distinct text of a batch once (dropout masks "
                        "then shared)"),
      SETFIT_FLOAT_FIELD(warmup_proportion, "Stage 1 linear warm-up fraction, in [0, 1]"),
      SETFIT_FLOAT_FIELD(l2_weight, "AdamW weight decay; 0 means none"),
      SETFIT_OPTIONAL_INT_FIELD(
          max_length, "Truncation for stage 2 and inference; unset: the body's max_seq_length"),
      SETFIT_INT_FIELD(seed, "Seeds few-shot selection, pair order, initialisation, shuffles"),
      SETFIT_STRING_FIELD(eval_strategy,
                          "no, steps or epoch: task-metric evaluation during training"),
      SETFIT_OPTIONAL_INT_FIELD(eval_steps, "Evaluate every N steps (sets eval_strategy to steps)"),
      SETFIT_INT_FIELD(logging_steps, "Record the training loss every N steps"),
      SETFIT_STRING_FIELD(save_strategy, "no, steps or epoch: checkpoints of body and head"),
      SETFIT_INT_FIELD(save_steps, "Checkpoint every N steps with save_strategy = steps"),
      SETFIT_BOOL_FIELD(load_best_model_at_end,
                        "Restore each stage's best state after it (kept in memory)"),
      SETFIT_STRING_FIELD(metric_for_best_model, "Metric that picks the best checkpoint"),
      SETFIT_BOOL_FIELD(greater_is_better, "Whether a larger metric_for_best_model is better"),
      SETFIT_STRING_FIELD(output_dir, "Where checkpoints go"),
      SETFIT_INT_FIELD(early_stopping_patience,
                       "> 0: stop a stage after this many evaluations without improvement of "
                       "metric_for_best_model"),
      SETFIT_FLOAT_FIELD(early_stopping_threshold,
                         "The least change of metric_for_best_model that counts as improvement"),
  });
  return all;
}

#undef SETFIT_INT_FIELD
#undef SETFIT_OPTIONAL_INT_FIELD
#undef SETFIT_FLOAT_FIELD
#undef SETFIT_BOOL_FIELD
#undef SETFIT_STRING_FIELD

std::string suggestion(std::string_view key) {
  std::vector<std::string> names;
  for (const auto& field : fields()) names.push_back(field.spec.name);
  return detail::did_you_mean(key, names);
}

}  // namespace

namespace detail {

std::string toml_position(const std::string& origin, const toml::node& node,
                          const std::string& placed_label) {
  const auto& begin = node.source().begin;
  if (begin.line == 0) return placed_label;
  return fmt::format("{}:{}:{}", origin, begin.line, begin.column);
}

void apply_toml_args(TrainingArguments& args, const toml::table& table, const std::string& origin,
                     std::string_view table_name, const std::string& placed_label) {
  bool legacy = false;
  for (const auto& [key_view, node] : table) {
    const std::string key(key_view.str());
    Where where{origin, std::string(table_name), key, node.source().begin, placed_label};
    if (key == "learning_rate") {
      const double rate = read_float(node, where);
      args.body_learning_rate = PerStage<double>(rate);
      args.head_learning_rate = rate;
      args.user_set.insert("body_learning_rate");
      args.user_set.insert("head_learning_rate");
      log::warn(
          "{}: learning_rate is SetFitTrainer's legacy key; write body_learning_rate = {} and "
          "head_learning_rate = {} instead",
          where.str(), text_of(rate), text_of(rate));
      legacy = true;
      continue;
    }
    if (key == "loss_class") {
      args.loss = read_string(node, where);
      args.user_set.insert("loss");
      log::warn("{}: loss_class is SetFitTrainer's legacy key; write loss = \"{}\" instead",
                where.str(), args.loss);
      legacy = true;
      continue;
    }
    auto field = std::find_if(fields().begin(), fields().end(),
                              [&](const Field& f) { return f.spec.name == key; });
    if (field == fields().end()) {
      where.position = key_view.source().begin;  // point at the key itself
      where.fail(fmt::format("is not a training argument{}", suggestion(key)));
    }
    field->set(args, node, where);
    args.user_set.insert(key);
  }
  // The deprecated trainer defaulted to 20 iterations; legacy configs keep that meaning.
  if (legacy && !args.user_set.count("num_iterations")) args.num_iterations = 20;
  // As in SetFit: eval_steps alone switches evaluation on.
  if (args.eval_steps && !args.user_set.count("eval_strategy")) args.eval_strategy = "steps";
  try {
    args.validate();
  } catch (const Error& e) {
    throw Error(fmt::format("{}: [{}] {}", origin, table_name, e.what()));
  }
}

}  // namespace detail

TrainingArguments TrainingArguments::from_toml(std::string_view toml_text,
                                               const std::string& origin,
                                               std::string_view table_name) {
  toml::table document;
  try {
    document = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line, e.source().begin.column,
                            e.description()));
  }
  TrainingArguments args;
  const toml::node* node = table_name.empty() ? &document : document.get(table_name);
  if (node == nullptr) return args;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    throw Error(fmt::format("{}:{}:{}: [{}] must be a table", origin, node->source().begin.line,
                            node->source().begin.column, table_name));
  }
  detail::apply_toml_args(args, *table, origin, table_name);
  return args;
}

void TrainingArguments::validate() const {
  auto fail = [](const std::string& key, const std::string& what) {
    throw Error(fmt::format("key '{}': {}", key, what));
  };
  // Every float must be finite: NaN passes every `<` check and inf would start a run that
  // can only diverge. Written so that a NaN fails each range check too.
  const auto finite = [&](const std::string& key, double value) {
    if (!std::isfinite(value))
      fail(key, fmt::format("must be a finite number, got {}", format_float(value)));
  };
  for (Stage stage : {Stage::Embedding, Stage::Classifier}) {
    finite("body_learning_rate", body_learning_rate[stage]);
    if (batch_size[stage] < 1)
      fail("batch_size", fmt::format("the {} batch size must be at least 1", to_string(stage)));
    if (num_epochs[stage] < 0)
      fail("num_epochs", fmt::format("the {} epochs must not be negative", to_string(stage)));
    if (body_learning_rate[stage] < 0) {
      fail("body_learning_rate",
           fmt::format("the {} learning rate must not be negative", to_string(stage)));
    }
  }
  finite("head_learning_rate", head_learning_rate);
  finite("warmup_proportion", warmup_proportion);
  finite("l2_weight", l2_weight);
  finite("early_stopping_threshold", early_stopping_threshold);
  if (margin) finite("margin", *margin);
  if (head_learning_rate < 0) fail("head_learning_rate", "must not be negative");
  if (!(warmup_proportion >= 0 && warmup_proportion <= 1)) {
    fail("warmup_proportion", fmt::format("must be in [0, 1], got {}", warmup_proportion));
  }
  if (l2_weight < 0) fail("l2_weight", "must not be negative");
  if (num_iterations && *num_iterations < 1) fail("num_iterations", "must be positive when set");
  if (max_length && *max_length < 1) fail("max_length", "must be positive when set");
  if (margin && *margin < 0) fail("margin", "must not be negative");
  if (max_steps == 0 || max_steps < -1) fail("max_steps", "must be -1 (no limit) or positive");
  if (logging_steps < 1) fail("logging_steps", "must be positive");
  if (eval_steps && *eval_steps < 1) fail("eval_steps", "must be positive when set");
  if (save_steps < 1) fail("save_steps", "must be positive");
  for (const auto& [key, value] :
       {std::pair{"eval_strategy", eval_strategy}, {"save_strategy", save_strategy}}) {
    if (value != "no" && value != "steps" && value != "epoch") {
      fail(key, fmt::format("must be \"no\", \"steps\" or \"epoch\", got \"{}\"", value));
    }
  }
  if (distance_metric != "cosine" && distance_metric != "euclidean" &&
      distance_metric != "manhattan") {
    fail("distance_metric",
         fmt::format("must be \"cosine\", \"euclidean\" or \"manhattan\", got \"{}\"",
                     distance_metric));
  }
  if (sampling_strategy.empty()) fail("sampling_strategy", "must name a sampler plugin");
  if (loss.empty()) fail("loss", "must name a loss plugin");
  if (load_best_model_at_end && eval_strategy == "no")
    fail("load_best_model_at_end", "needs eval_strategy \"steps\" or \"epoch\"");
  if (early_stopping_patience < 0) fail("early_stopping_patience", "must not be negative");
  if (early_stopping_patience > 0 && eval_strategy == "no")
    fail("early_stopping_patience", "needs eval_strategy \"steps\" or \"epoch\"");
  if (early_stopping_threshold < 0) fail("early_stopping_threshold", "must not be negative");
  {
    const std::string metric = metric_for_best_model.rfind("eval_", 0) == 0
                                   ? metric_for_best_model.substr(5)
                                   : metric_for_best_model;
    static const std::set<std::string> known = {
        "embedding_loss", "accuracy", "f1", "precision", "recall", "matthews_correlation", "mae"};
    if (!known.count(metric)) {
      fail("metric_for_best_model",
           fmt::format("must be embedding_loss or a metric name (accuracy, f1, precision, recall, "
                       "matthews_correlation, mae), got \"{}\"",
                       metric_for_best_model));
    }
  }
}

std::vector<ArgRecord> TrainingArguments::records() const {
  std::vector<ArgRecord> out;
  for (const auto& field : fields()) {
    for (auto& [stage, value] : field.get(*this)) {
      out.push_back(
          {field.spec.name, stage, value.text, value.num, !user_set.count(field.spec.name)});
    }
  }
  return out;
}

const std::vector<ArgSpec>& TrainingArguments::schema() {
  static const std::vector<ArgSpec> specs = [] {
    std::vector<ArgSpec> out;
    for (const auto& field : fields()) out.push_back(field.spec);
    return out;
  }();
  return specs;
}

std::string TrainingArguments::help() {
  std::string out;
  for (const auto& spec : schema()) {
    out += fmt::format("  {:<24} {:<7} {:<24} {}\n", spec.name + (spec.per_stage ? " *" : ""),
                       spec.type, spec.default_text, spec.description);
  }
  out += "  (* per stage: one value for both, or [embedding, classifier])\n";
  return out;
}

}  // namespace setfit
