#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "setfit/errors.hpp"
#include "setfit/safetensors.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

// A file made of an explicit header length, header text and data bytes.
fs::path write_raw(const fs::path& dir, std::uint64_t header_length, const std::string& header,
                   std::size_t data_bytes) {
  fs::path file = dir / "model.safetensors";
  std::ofstream out(file, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((header_length >> (8 * i)) & 0xFF));
  out << header;
  out << std::string(data_bytes, '\0');
  return file;
}

std::string open_error(const fs::path& file) {
  try {
    SafetensorsFile::open(file);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string header_error(const std::string& header, std::size_t data_bytes) {
  test::TempDir dir;
  return open_error(write_raw(dir.path(), header.size(), header, data_bytes));
}

using test::contains;

TEST(Safetensors, RoundTripKeepsValuesDtypesAndMetadata) {
  test::TempDir dir;
  auto a = torch::randn({3, 4});
  auto b = torch::arange(10, torch::kInt64);
  auto c = torch::randn({2, 2}).to(torch::kBFloat16);
  write_safetensors(dir.path() / "t.safetensors", {{"b", b}, {"a", a}, {"c", c}},
                    {{"format", "pt"}, {"note", "test"}});
  auto file = SafetensorsFile::open(dir.path() / "t.safetensors");
  EXPECT_EQ(file.metadata().at("note"), "test");
  ASSERT_EQ(file.entries().size(), 3u);
  EXPECT_TRUE(torch::equal(file.load("a"), a));
  EXPECT_TRUE(torch::equal(file.load("b"), b));
  EXPECT_EQ(file.load("c", false).scalar_type(), torch::kBFloat16);
  EXPECT_EQ(file.load("c").scalar_type(), torch::kFloat32);  // converted for compute
  EXPECT_TRUE(torch::equal(file.load("c", false), c));
  EXPECT_FALSE(fs::exists(dir.path() / "t.safetensors.tmp"));
}

TEST(Safetensors, ReadsTheGoldenFileLayout) {
  auto file =
      SafetensorsFile::open(fs::path(SETFIT_TEST_DATA_DIR) / "golden/bert-tiny/model.safetensors");
  EXPECT_EQ(file.entries().size(), 39u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.find("embeddings.word_embeddings.weight")->shape,
            (std::vector<std::int64_t>{312, 32}));
}

// share_into points a float32 target at the file's pages: the values are the file's, the
// tensor outlives the SafetensorsFile, and writing to it copies the page, never the file.
TEST(Safetensors, ShareIntoUsesTheFileCopyOnWrite) {
  test::TempDir dir;
  const auto path = dir.path() / "t.safetensors";
  auto a = torch::randn({64, 32});
  auto c = torch::randn({2, 3}).to(torch::kBFloat16);
  write_safetensors(path, {{"a", a}, {"c", c}});
  const std::string before = test::read_file(path);
  auto target = torch::empty({64, 32});
  auto converted = torch::empty({2, 3});
  {
    auto file = SafetensorsFile::open(path);
    file.share_into("a", target);
    file.share_into("c", converted);  // bf16 in the file: converted, so copied
    auto wrong = torch::empty({32, 64});
    try {
      file.share_into("a", wrong);
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_TRUE(contains(e.what(), "tensor 'a' has shape [64, 32], expected [32, 64]"))
          << e.what();
    }
  }
  EXPECT_TRUE(torch::equal(target, a));
  EXPECT_TRUE(torch::equal(converted, c.to(torch::kFloat32)));
  target.mul_(2);
  EXPECT_TRUE(torch::equal(target, a * 2));
  EXPECT_EQ(test::read_file(path), before);
  EXPECT_TRUE(torch::equal(SafetensorsFile::open(path).load("a"), a));
}

// A float32 tensor at an offset that is not a multiple of 4 cannot be shared: it is copied,
// with the right values.
TEST(Safetensors, ShareIntoCopiesMisalignedData) {
  test::TempDir dir;
  std::string header = R"({"pad":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                       R"("x":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  const float values[2] = {1.5f, -2.25f};
  std::string data(1, '\x07');
  data.append(reinterpret_cast<const char*>(values), sizeof values);
  const auto path = dir.path() / "odd.safetensors";
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
    out << header << data;
  }
  auto target = torch::zeros({2});
  SafetensorsFile::open(path).share_into("x", target);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(target.data_ptr()) % alignof(float), 0u);
  EXPECT_EQ(target[0].item<float>(), 1.5f);
  EXPECT_EQ(target[1].item<float>(), -2.25f);
}

TEST(Safetensors, MissingFileIsNamed) {
  EXPECT_TRUE(contains(open_error("/nonexistent/model.safetensors"),
                       "/nonexistent/model.safetensors: no such file"));
}

TEST(Safetensors, TooShortFile) {
  test::TempDir dir;
  std::ofstream(dir.path() / "short.safetensors") << "abc";
  EXPECT_TRUE(contains(open_error(dir.path() / "short.safetensors"), "too short"));
}

TEST(Safetensors, HeaderClaimingTwoToTheSixtyThreeBytes) {
  test::TempDir dir;
  auto message = open_error(write_raw(dir.path(), 1ull << 63, "{}", 0));
  EXPECT_TRUE(contains(message, "the header claims 9223372036854775808 bytes")) << message;
}

TEST(Safetensors, HeaderLongerThanTheFile) {
  test::TempDir dir;
  auto message = open_error(write_raw(dir.path(), 4096, "{}", 0));
  EXPECT_TRUE(contains(message, "only 2 follow")) << message;
}

TEST(Safetensors, HeaderThatIsNotJson) {
  EXPECT_TRUE(contains(header_error("{\"a\": [1, 2", 0), "not valid JSON"));
  EXPECT_TRUE(contains(header_error("[1, 2, 3]", 0), "not a JSON object"));
}

TEST(Safetensors, UnknownDtype) {
  auto message = header_error(R"({"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", 1);
  EXPECT_TRUE(contains(message, "tensor 'w': unsupported dtype 'F8'")) << message;
}

TEST(Safetensors, ShapeThatDoesNotMatchTheByteRange) {
  auto message = header_error(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 20);
  EXPECT_TRUE(contains(message, "shape [2, 3] of F32 needs 24 bytes but data_offsets span 20"))
      << message;
}

TEST(Safetensors, OffsetsBeyondTheData) {
  auto message = header_error(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8);
  EXPECT_TRUE(contains(message, "truncated file?")) << message;
}

TEST(Safetensors, OverlappingTensors) {
  auto message = header_error(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      12);
  EXPECT_TRUE(contains(message, "tensors 'a' and 'b' overlap")) << message;
}

TEST(Safetensors, ShapeOverflow) {
  auto message = header_error(
      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}})", 0);
  EXPECT_TRUE(contains(message, "overflows")) << message;
}

TEST(Safetensors, NegativeDimensionAndBadOffsets) {
  EXPECT_TRUE(
      contains(header_error(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
               "not a non-negative integer"));
  EXPECT_TRUE(contains(header_error(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4),
                       "begin after they end"));
  EXPECT_TRUE(contains(header_error(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4),
                       "data_offsets must be a pair"));
}

TEST(Safetensors, TruncatedRealFile) {
  test::TempDir dir;
  const fs::path source = fs::path(SETFIT_TEST_DATA_DIR) / "golden/bert-tiny/model.safetensors";
  std::string bytes = test::read_file(source);
  std::ofstream(dir.path() / "model.safetensors", std::ios::binary)
      << bytes.substr(0, bytes.size() / 2);
  auto message = open_error(dir.path() / "model.safetensors");
  EXPECT_TRUE(contains(message, "invalid safetensors file")) << message;
}

TEST(Safetensors, LoadingAnAbsentNameNamesIt) {
  auto file =
      SafetensorsFile::open(fs::path(SETFIT_TEST_DATA_DIR) / "golden/bert-tiny/model.safetensors");
  try {
    file.load("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "no tensor named 'nope'"));
  }
}

}  // namespace
}  // namespace setfit
