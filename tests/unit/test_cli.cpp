#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "setfit/plugin_registry.hpp"
#include "setfit/plugin_scaffold.hpp"
#include "setfit/version.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

const std::string kCli = SETFIT_TEST_CLI;
const std::string kFixtures = SETFIT_TEST_FIXTURE_PLUGIN_DIR;

test::CommandResult setfit(const std::string& args) {
  // An inherited SETFIT_PLUGIN_PATH must not change what these tests see.
  return test::run_command("env -u SETFIT_PLUGIN_PATH " + kCli + " " + args);
}

using test::contains;

TEST(Cli, HelpListsCommandsAndGlobalOptions) {
  auto r = setfit("--help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "plugins")) << r.out;
  EXPECT_TRUE(contains(r.out, "--plugin-dir")) << r.out;
  EXPECT_TRUE(contains(r.out, "--threads")) << r.out;
}

TEST(Cli, NoCommandPrintsUsageAndFails) {
  auto r = setfit("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "Usage: setfit")) << r.err;
}

TEST(Cli, VersionNamesSetfitAndLibTorch) {
  auto r = setfit("--version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, std::string("setfit ") + SETFIT_VERSION_STRING)) << r.out;
  EXPECT_TRUE(contains(r.out, "LibTorch 1.")) << r.out;
  EXPECT_TRUE(contains(r.out, "setfit -v --version")) << r.out;
}

TEST(Cli, VerboseVersionNamesTheBlasThreadsAndCuda) {
  auto r = setfit("-v --version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, std::string("setfit ") + SETFIT_VERSION_STRING)) << r.out;
  EXPECT_TRUE(contains(r.out, "BLAS: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "CUDA: ")) << r.out;
}

TEST(Cli, ThreadsFlagIsApplied) {
  auto r = setfit("-v --threads 1 --version");
  EXPECT_TRUE(contains(r.out, "threads: 1")) << r.out;
  EXPECT_EQ(setfit("--threads -3 --version").exit_code, 2);
}

TEST(Cli, UnknownCommandIsAUsageError) {
  auto r = setfit("trian");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'trian'")) << r.err;
  EXPECT_TRUE(contains(r.err, "plugins")) << r.err;
}

TEST(Cli, UnknownFlagIsAUsageError) {
  auto before = setfit("--colour plugins list");
  EXPECT_EQ(before.exit_code, 2);
  EXPECT_TRUE(contains(before.err, "--colour")) << before.err;
  auto after = setfit("plugins list --jsn");
  EXPECT_EQ(after.exit_code, 2);
  EXPECT_TRUE(contains(after.err, "jsn")) << after.err;
  // No prefix guessing: --verb is not --verbose.
  EXPECT_EQ(setfit("--verb plugins list").exit_code, 2);
}

TEST(Cli, UnknownActionIsAUsageError) {
  auto r = setfit("plugins remove");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "expected list, check or new")) << r.err;
}

TEST(Cli, PluginsListShowsOneOfEachKind) {
  auto r = setfit("plugins list");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "CosineSimilarityLoss")) << r.out;
  EXPECT_TRUE(contains(r.out, "linear")) << r.out;
  EXPECT_TRUE(contains(r.out, "oversampling")) << r.out;
  EXPECT_TRUE(contains(r.out, "temperature")) << r.out;
}

TEST(Cli, PluginsListJsonHasPluginsParametersAndFailures) {
  auto r = setfit("plugins list --json --plugin-dir " + kFixtures + "/bad_abi");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  std::set<std::string> kinds;
  for (const auto& p : doc["plugins"]) {
    kinds.insert(p["kind"].get<std::string>());
    EXPECT_TRUE(p.contains("file"));
    EXPECT_TRUE(p.contains("version"));
    EXPECT_TRUE(p["parameters"].is_array());
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"loss", "head", "sampler"}));
  ASSERT_EQ(doc["failures"].size(), 1u);
  EXPECT_TRUE(contains(doc["failures"][0]["reason"].get<std::string>(), "ABI mismatch"));
  EXPECT_EQ(doc["search_path"][0], kFixtures + "/bad_abi");
}

TEST(Cli, PluginPathEnvironmentIsSearched) {
  auto r = test::run_command("SETFIT_PLUGIN_PATH=" + kFixtures + "/faulty " + kCli +
                             " plugins list --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& p : doc["plugins"]) found |= p["name"] == "FaultyLoss";
  EXPECT_TRUE(found) << r.out;
}

TEST(Cli, PluginsCheckReportsOkAndRefusal) {
  auto ok = setfit("plugins check " + kFixtures + "/faulty/setfit_loss_fixture_faulty.so");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(contains(ok.out, "FaultyLoss")) << ok.out;

  auto bad = setfit("plugins check " + kFixtures + "/bad_abi/setfit_loss_fixture_bad_abi.so");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.out, "ABI mismatch")) << bad.out;

  EXPECT_EQ(setfit("plugins check").exit_code, 2);
  EXPECT_EQ(setfit("plugins check /nonexistent.so").exit_code, 1);
}

TEST(Cli, PluginsCheckConformanceGivesALinePerCheck) {
  const std::string builtin =
      (PluginRegistry::builtin_dir() / "setfit_loss_cosine_similarity.so").string();
  auto ok = setfit("plugins check " + builtin + " --conformance");
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_TRUE(contains(ok.out, "pass  gradients reach the embeddings\n")) << ok.out;
  EXPECT_TRUE(contains(ok.out, "4 of 4 conformance checks passed")) << ok.out;

  auto bad = setfit("plugins check " + kFixtures +
                    "/hazard/setfit_loss_fixture_detached_loss.so --conformance");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_TRUE(contains(bad.out, "FAIL  gradients reach the embeddings: ")) << bad.out;
  EXPECT_TRUE(contains(bad.out, "does not depend on the embeddings through autograd")) << bad.out;
  EXPECT_TRUE(contains(bad.out, "3 of 4 conformance checks passed")) << bad.out;
  auto json = setfit("plugins check " + kFixtures +
                     "/hazard/setfit_loss_fixture_non_scalar_loss.so --conformance --json");
  EXPECT_EQ(json.exit_code, 1);
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_FALSE(doc["ok"].get<bool>());
  EXPECT_FALSE(doc["conformance"][0]["passed"].get<bool>()) << json.out;
}

TEST(Cli, PluginsNewWritesAProjectAndRefusesToOverwriteOne) {
  EXPECT_EQ(plugin_target_name("CoSENTLoss"), "co_sent_loss");
  EXPECT_EQ(plugin_target_name("AnglE2Loss"), "angl_e2_loss");
  EXPECT_EQ(plugin_target_name("my_head"), "my_head");
  test::TempDir dir;
  const auto project = dir.path() / "cosent";
  auto r = setfit("plugins new loss CoSENTLoss --dir " + project.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file :
       {"CMakeLists.txt", "co_sent_loss.cpp", "conformance_test.cpp", "README.md"})
    EXPECT_TRUE(std::filesystem::exists(project / file)) << file;
  const auto source = test::read_file(project / "co_sent_loss.cpp");
  EXPECT_TRUE(contains(source, "class CoSENTLoss final : public setfit::Loss")) << source;
  EXPECT_FALSE(contains(source, "@")) << source;  // every placeholder filled
  EXPECT_TRUE(contains(test::read_file(project / "CMakeLists.txt"),
                       "setfit_add_plugin(co_sent_loss KIND loss SOURCES co_sent_loss.cpp)"));
  EXPECT_TRUE(contains(test::read_file(project / "README.md"), "\"loss_params.scale\" = [0.5"));
  // Nothing is overwritten; bad names and kinds are refused.
  r = setfit("plugins new loss CoSENTLoss --dir " + project.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "CMakeLists.txt already exists")) << r.err;
  r = setfit("plugins new loss 2Fast --dir " + (dir.path() / "x").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "'2Fast' is not a C++ class name")) << r.err;
  r = setfit("plugins new optimizer Adam --dir " + (dir.path() / "y").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown plugin kind 'optimizer'")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x"));
}

TEST(Cli, VerbosityFlagsChangeWhatIsLogged) {
  auto verbose = setfit("-v plugins list");
  EXPECT_TRUE(contains(verbose.err, "debug: loaded loss plugin 'CosineSimilarityLoss'"))
      << verbose.err;
  auto normal = setfit("plugins list");
  EXPECT_FALSE(contains(normal.err, "debug:")) << normal.err;
  auto quiet = setfit("-qq trian");
  EXPECT_EQ(quiet.exit_code, 2);
  EXPECT_TRUE(contains(quiet.err, "error: unknown command")) << quiet.err;
}

}  // namespace
}  // namespace setfit
