// One config schema: every table's keys come from it, the sweep reader resolves grid keys
// with it, and the table in docs/training.md is exactly what it prints.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/errors.hpp"
#include "setfit/run_config.hpp"
#include "setfit/sweep.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;
const std::filesystem::path kDocs = std::filesystem::path(SETFIT_TEST_DATA_DIR) / "../../docs";

TEST(ConfigSchema, TheDocsTableIsWhatTheSchemaPrints) {
  const std::string docs = test::read_file(kDocs / "training.md");
  const auto section = docs.find("## Config keys");
  ASSERT_NE(section, std::string::npos);
  const auto start = docs.find("```\n", section) + 4;
  const auto end = docs.find("```\n", start);
  EXPECT_EQ(docs.substr(start, end - start), config_help());
}

TEST(ConfigSchema, EveryTableKeyIsInTheSchemaAndArgsAreTrainingArguments) {
  std::set<std::string> args;
  for (const auto& f : config_schema()) {
    if (f.table == "args") args.insert(f.name);
    EXPECT_EQ(find_config_field(f.table, f.name), &f);
  }
  EXPECT_EQ(args.size(), TrainingArguments::schema().size());
  for (const auto& spec : TrainingArguments::schema()) {
    const ConfigField* field = find_config_field("args", spec.name);
    ASSERT_NE(field, nullptr) << spec.name;
    EXPECT_EQ(field->per_stage, spec.per_stage) << spec.name;
  }
  EXPECT_EQ(find_config_field("model", "no_such_key"), nullptr);
}

TEST(ConfigSchema, AnUnknownKeyInAnyTableSuggestsTheNearestSchemaKey) {
  const NamedInputs folders_only;
  const auto doc =
      toml::parse("[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"b\"\nhaed = \"x\"\n");
  try {
    read_run_config(doc, {"c.toml", "."}, folders_only);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "c.toml:5:1: [model] unknown key 'haed'; did you mean 'head'?"))
        << e.what();
  }
}

TEST(ConfigSchema, EveryNonArgsKeyIsAGridKey) {
  // The sweep reader asks the schema: each plain key of [data] and [model] resolves.
  for (const auto& f : config_schema()) {
    if (f.table == "args" || f.table == "eval" || f.type == "table") continue;
    const std::string value = f.type == "int"       ? "1"
                              : f.type == "bool"    ? "true"
                              : f.type == "strings" ? "[\"a\"]"
                                                    : "\"x\"";
    const auto sweep = expand_sweep(
        toml::parse("[sweep]\nname = \"s\"\n[grid]\n" + f.name + " = [" + value + "]\n"), "s.toml");
    ASSERT_EQ(sweep.runs.size(), 1u) << f.name;
    EXPECT_EQ(sweep.runs[0].assignments.at(0).key, f.table + "." + f.name);
  }
}

// The static bodies' token limit is a config key: recorded with every run, in the run key
// only when set (so that keys recorded before it existed still match).
TEST(ConfigSchema, StaticTokenLimitIsRecordedAndKeyedOnlyWhenSet) {
  test::TempDir dir;
  std::ofstream(dir.path() / "t.jsonl") << R"({"text": "a", "label": 0})"
                                        << "\n";
  const NamedInputs folders_only;
  const auto records_of = [&](const std::string& model_table) {
    const auto doc = toml::parse("[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"" +
                                 test::golden_dir("bert-tiny").string() + "\"\n" + model_table);
    const auto config = read_run_config(doc, {"c.toml", dir.path()}, folders_only);
    const auto plugins = resolve_plugins(config, test::builtin_registry());
    const auto records = config_records(config, plugins);
    InputFingerprints fingerprints;
    const auto keys =
        run_keys(config, config.body, records, plugins, test::builtin_registry(), fingerprints);
    for (const auto& r : records) {
      if (r.key == "model.static_token_limit")
        return std::tuple{r, keys.key, in_run_key(r, plugins)};
    }
    ADD_FAILURE() << "no model.static_token_limit record";
    return std::tuple{ArgRecord{}, keys.key, false};
  };
  const auto [unset, unset_key, unset_keyed] = records_of("");
  EXPECT_EQ(unset.value_text, std::to_string(kStaticTokenLimit));
  EXPECT_TRUE(unset.is_default);
  EXPECT_FALSE(unset_keyed);
  const auto [set, set_key, set_keyed] = records_of("static_token_limit = 64\n");
  EXPECT_EQ(set.value_text, "64");
  EXPECT_EQ(set.value_num, 64.0);
  EXPECT_FALSE(set.is_default);
  EXPECT_TRUE(set_keyed);
  EXPECT_NE(set_key, unset_key);

  try {
    records_of("static_token_limit = 0\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(),
                         "c.toml:5:22: [model] key 'static_token_limit' must be a "
                         "positive integer"))
        << e.what();
  }
}

}  // namespace
}  // namespace setfit
