// One config schema: every table's keys come from it, the sweep reader resolves grid keys
// with it, and the table in docs/training.md is exactly what it prints.
#include <gtest/gtest.h>

#include <set>

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

}  // namespace
}  // namespace setfit
