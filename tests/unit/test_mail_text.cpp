// E-mail cleaning for the SpamAssassin data set, and the data set builder on a
// miniature copy of the package's layout.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../../framework/src/assets/asset_builders.hpp"
#include "setfit/assets.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

TEST(MailText, SubjectIsDecodedAndPrefixed) {
  std::string raw =
      "From: a@b.c\nSubject: =?iso-8859-1?Q?Caf=E9_menu?=\nContent-Type: text/plain\n\nHello   "
      "there,\n\n friend.\n";
  EXPECT_EQ(assets::mail_to_text(raw, 2000), "Subject: Café menu Hello there, friend.");
}

TEST(MailText, MultipartAlternativeDecodesQuotedPrintableAndBase64Html) {
  std::string raw =
      "Subject: offer\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"XX\"\n\n"
      "--XX\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
      "quoted-printable\n\n"
      "Cheap pri=E7es now\n"
      "--XX\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n"
      // <p>Buy&amp;save<script>x()</script><style>p{}</style></p>
      "PHA+QnV5JmFtcDtzYXZlPHNjcmlwdD54KCk8L3NjcmlwdD48c3R5bGU+cHt9PC9zdHlsZT48L3A+\n"
      "--XX\nContent-Type: application/octet-stream\nContent-Disposition: attachment; "
      "filename=a.bin\n\nAAAA\n"
      "--XX--\n";
  EXPECT_EQ(assets::mail_to_text(raw, 2000), "Subject: offer Cheap priçes now Buy&save");
}

TEST(MailText, StrayTagsGoButAngleBracketedUrlsStay) {
  std::string raw =
      "Subject: s\n\nsee <b>this</b> at <http://example.com/x> or mail <me@example.com><br/>done\n";
  EXPECT_EQ(assets::mail_to_text(raw, 2000),
            "Subject: s see this at <http://example.com/x> or mail <me@example.com> done");
}

TEST(MailText, HtmlLookingPlainPartIsRenderedAndCutByCharacters) {
  std::string raw = "Subject: x\n\n<html><body><p>déjà vu &eacute;t&eacute;</p></body></html>\n";
  EXPECT_EQ(assets::mail_to_text(raw, 2000), "Subject: x déjà vu été");
  EXPECT_EQ(assets::mail_to_text(raw, 14), "Subject: x déj");  // code points, not bytes
}

void write_message(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::create_directories(dir);
  std::ofstream(dir / (name + ".json")) << nlohmann::json{{"id", name}, {"text", text}}.dump();
}

std::vector<nlohmann::json> read_rows(const fs::path& file) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST(SpamAssassinDataset, LabelsDedupesDropsShortAndStratifies) {
  test::TempDir dir;
  const fs::path data = dir.path() / "data";
  for (const char* group : {"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"}) {
    fs::create_directories(data / group);
  }
  for (int i = 0; i < 10; ++i) {
    write_message(data / "easy-ham-1", fmt::format("{:05}", i),
                  fmt::format("Subject: meeting {}\n\nsee you at {} pm\n", i, i));
    write_message(data / "spam-2", fmt::format("{:05}", i),
                  fmt::format("Subject: win {}\n\nclaim prize number {} now\n", i, i));
  }
  write_message(data / "easy-ham-2", "dup",
                "Subject: meeting 3\n\nsee you at 3 pm\n");  // duplicate
  write_message(data / "hard-ham-1", "short", "\n\nhi\n");   // under 3 words
  assets::build_spamassassin_dataset(data, dir.path() / "out", 42);

  auto train = read_rows(dir.path() / "out/train.jsonl");
  auto test = read_rows(dir.path() / "out/test.jsonl");
  EXPECT_EQ(train.size() + test.size(), 20u);
  int test_spam = 0;
  for (const auto& row : test) test_spam += row["label"].get<int>();
  EXPECT_EQ(test.size(), 4u);  // 20% of each class: 2 ham + 2 spam
  EXPECT_EQ(test_spam, 2);
  for (const auto& row : train) {
    EXPECT_EQ(row["label_text"], row["label"] == 1 ? "spam" : "ham");
  }
  // The same seed gives the same split.
  assets::build_spamassassin_dataset(data, dir.path() / "again", 42);
  EXPECT_EQ(test::read_file(dir.path() / "out/test.jsonl"),
            test::read_file(dir.path() / "again/test.jsonl"));
}

}  // namespace
}  // namespace setfit
