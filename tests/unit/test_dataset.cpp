#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "setfit/dataset.hpp"
#include "setfit/errors.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

fs::path write(const test::TempDir& dir, const std::string& name, const std::string& content) {
  std::ofstream(dir.path() / name, std::ios::binary) << content;
  return dir.path() / name;
}

std::string load_error(const fs::path& file, const DataOptions& options = {}) {
  try {
    load_dataset(file, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

using test::contains;

TEST(Dataset, JsonlIntegerLabelsSortNumerically) {
  test::TempDir dir;
  auto data =
      load_dataset(write(dir, "d.jsonl",
                         "{\"text\": \"a\", \"label\": 10}\n\n{\"text\": \"b\", \"label\": 2}\n"
                         "{\"text\": \"c\", \"label\": 10}\n"));
  EXPECT_EQ(data.label_names, (std::vector<std::string>{"2", "10"}));
  EXPECT_EQ(data.labels, (std::vector<std::vector<std::int64_t>>{{1}, {0}, {1}}));
  EXPECT_EQ(data.label_counts(), (std::vector<std::size_t>{1, 2}));
  EXPECT_FALSE(data.multi_label);
}

TEST(Dataset, StringLabelsColumnMappingAndGivenOrder) {
  test::TempDir dir;
  auto file =
      write(dir, "d.jsonl",
            "{\"sentence\": \"a\", \"y\": \"spam\"}\n{\"sentence\": \"b\", \"y\": \"ham\"}\n");
  DataOptions options;
  options.text_column = "sentence";
  options.label_column = "y";
  EXPECT_EQ(load_dataset(file, options).label_names, (std::vector<std::string>{"ham", "spam"}));
  options.labels = {"spam", "ham"};
  auto data = load_dataset(file, options);
  EXPECT_EQ(data.labels.front(), std::vector<std::int64_t>{0});
  options.labels = {"ham"};
  EXPECT_TRUE(contains(load_error(file, options),
                       "d.jsonl:1: label 'spam' is not one of the given labels (ham)"));
}

TEST(Dataset, MultiLabelLists) {
  test::TempDir dir;
  auto data = load_dataset(
      write(dir, "m.jsonl",
            "{\"text\": \"a\", \"label\": [\"x\", \"y\"]}\n{\"text\": \"b\", \"label\": []}\n"));
  EXPECT_TRUE(data.multi_label);
  EXPECT_EQ(data.labels[0], (std::vector<std::int64_t>{0, 1}));
  EXPECT_TRUE(data.labels[1].empty());
}

TEST(Dataset, CsvWithQuotesCommasAndNewlines) {
  test::TempDir dir;
  auto data = load_dataset(
      write(dir, "d.csv",
            "id,text,label\n1,\"Hello, \"\"world\"\"\",pos\n2,\"two\nlines\",neg\n3,plain,pos\n"));
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data.texts[0], "Hello, \"world\"");
  EXPECT_EQ(data.texts[1], "two\nlines");
  EXPECT_EQ(data.label_names, (std::vector<std::string>{"neg", "pos"}));
}

TEST(Dataset, BadInputNamesFileLineAndColumn) {
  test::TempDir dir;
  EXPECT_TRUE(contains(
      load_error(write(dir, "e.jsonl",
                       "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"  \", \"label\": 1}\n")),
      "e.jsonl:2: the text is empty"));
  EXPECT_TRUE(contains(load_error(write(dir, "m.jsonl", "{\"text\": \"a\"}\n")),
                       "m.jsonl:1: no label field \"label\""));
  EXPECT_TRUE(contains(load_error(write(dir, "t.jsonl", "{\"txt\": \"a\", \"label\": 0}\n")),
                       "no string field \"text\""));
  EXPECT_TRUE(contains(load_error(write(dir, "j.jsonl", "{\"text\": \"a\", \"label\": 0\n")),
                       "j.jsonl:1: malformed JSON"));
  EXPECT_TRUE(contains(load_error(write(dir, "f.jsonl", "{\"text\": \"a\", \"label\": 0.5}\n")),
                       "must be an integer, a string"));
  EXPECT_TRUE(contains(
      load_error(write(dir, "u.jsonl", "{\"text\": \"a\\udcff\", \"label\": 0}\n")), "u.jsonl:1"));
  EXPECT_TRUE(contains(load_error(write(dir, "c.csv", "text,label\n\"unclosed,0\n")),
                       "c.csv: malformed CSV"));
  EXPECT_TRUE(contains(load_error(write(dir, "h.csv", "sentence,label\na,0\n")),
                       "h.csv:1: no column \"text\""));
  EXPECT_TRUE(contains(load_error(write(dir, "n.csv", "text,label\na,\n")), "the label is empty"));
  EXPECT_TRUE(contains(load_error(write(dir, "x.tsv", "a\t0\n")), "unknown data format '.tsv'"));
  EXPECT_TRUE(contains(load_error(dir.path() / "absent.jsonl"), "absent.jsonl: no such file"));
  // A byte that is not UTF-8 in a malformed line is written as \xFF, never echoed raw.
  const auto raw = load_error(write(dir, "r.jsonl", "{\"text\": \"a\xff\", \"label\": 0\n"));
  EXPECT_TRUE(contains(raw, "r.jsonl:1: malformed JSON")) << raw;
  EXPECT_TRUE(contains(raw, "\\xFF")) << raw;
  EXPECT_EQ(raw.find('\xff'), std::string::npos) << raw;
}

Dataset three_labels(int per_label) {
  Dataset data;
  data.label_names = {"a", "b", "c"};
  for (int l = 0; l < 3; ++l) {
    for (int i = 0; i < per_label; ++i) {
      data.texts.push_back(fmt::format("{}{}", data.label_names[static_cast<std::size_t>(l)], i));
      data.labels.push_back({l});
    }
  }
  return data;
}

TEST(Dataset, FewShotTakesExactlyNPerLabelDeterministically) {
  auto data = three_labels(20);
  auto sample = sample_few_shot(data, 8, 0);
  EXPECT_EQ(sample.size(), 24u);
  EXPECT_EQ(sample.label_counts(), (std::vector<std::size_t>{8, 8, 8}));
  EXPECT_EQ(sample_few_shot(data, 8, 0).texts, sample.texts);
  EXPECT_NE(sample_few_shot(data, 8, 1).texts, sample.texts);
  // Shuffled again after selection: labels are not grouped.
  bool grouped = true;
  for (std::size_t i = 1; i < 8; ++i) grouped &= sample.labels[i] == sample.labels[0];
  EXPECT_FALSE(grouped);
}

TEST(Dataset, FewShotRefusesALabelWithTooFewExamples) {
  auto data = three_labels(5);
  try {
    sample_few_shot(data, 8, 0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "label 'a' has only 5 example(s) but num_samples is 8"))
        << e.what();
  }
}

}  // namespace
}  // namespace setfit
