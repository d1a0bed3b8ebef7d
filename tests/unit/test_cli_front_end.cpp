// The `setfit` front end links no LibTorch: it answers the verbs that need no tensors itself
// and hands every other verb, command line unchanged, to `setfit-engine` beside it.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "setfit/run_store.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

namespace fs = std::filesystem;
using test::contains;

const fs::path kCli = SETFIT_TEST_CLI;
const fs::path kStore = fs::path(SETFIT_TEST_DATA_DIR) / "store_v2" / "runs.db";

std::string quoted(const fs::path& path) {
  std::string out = "'";  // built up: GCC 12 warns (-Wrestrict) on "'" + string + "'"
  out += path.string();
  out += "'";
  return out;
}

TEST(FrontEnd, LinksNoLibTorchWhileTheEngineDoes) {
  const auto front = test::run_command("ldd " + quoted(kCli));
  ASSERT_EQ(front.exit_code, 0) << front.err;
  EXPECT_FALSE(contains(front.out, "libtorch")) << front.out;
  EXPECT_FALSE(contains(front.out, "libc10")) << front.out;
  const auto engine = test::run_command("ldd " + quoted(kCli.parent_path() / "setfit-engine"));
  ASSERT_EQ(engine.exit_code, 0) << engine.err;
  EXPECT_TRUE(contains(engine.out, "libtorch")) << engine.out;
}

// A front end alone in a folder: whatever it answers, it answered without the engine.
class FrontEndAlone : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy_file(kCli, dir_.path() / "setfit");
    fs::copy_file(kStore, dir_.path() / "runs.db");
    RunStore::open(dir_.path() / "runs.db");  // brought to this setfit's schema
  }
  test::CommandResult setfit(const std::string& args) {
    return test::run_command("cd " + quoted(dir_.path()) +
                             " && env -u SETFIT_PLUGIN_PATH ./setfit " + args);
  }
  test::TempDir dir_;
};

TEST_F(FrontEndAlone, AnswersHelpVersionResultsReportAndStatus) {
  auto help = setfit("--help");
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_TRUE(contains(help.out, "train")) << help.out;
  auto version = setfit("--version");
  EXPECT_EQ(version.exit_code, 0) << version.err;
  auto list = setfit("results list runs.db");
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(contains(list.out, "FINISHED")) << list.out;
  auto best = setfit("results best runs.db");
  EXPECT_EQ(best.exit_code, 0) << best.err;
  auto status = setfit("sweep status runs.db");
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(contains(status.out, "runs: ")) << status.out;
  auto report = setfit("report runs.db --output report.html");
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(fs::file_size(dir_.path() / "report.html") > 0);
}

TEST_F(FrontEndAlone, AVerbNeedingTheEngineNamesItWhenItIsMissing) {
  for (const char* verb :
       {"train --help", "plugins list", "sweep run x.toml --db runs.db", "-v --version"}) {
    auto r = setfit(verb);
    EXPECT_EQ(r.exit_code, 1) << verb;
    EXPECT_TRUE(contains(r.err, "setfit-engine")) << verb << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "LibTorch")) << verb << ": " << r.err;
  }
  // Usage errors are still the front end's own.
  auto unknown = setfit("trian");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.err, "unknown command 'trian'")) << unknown.err;
}

TEST(FrontEnd, HandsOverTheWholeCommandLine) {
  // Global options before the verb, the verb's own after it, and the exit code come back.
  const std::string cli = "env -u SETFIT_PLUGIN_PATH " + quoted(kCli);
  auto listed = test::run_command(cli + " --threads 1 -q plugins list --json");
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(contains(listed.out, "logistic_regression")) << listed.out;
  auto bad = test::run_command(cli + " plugins list --nonsense");
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
}

// The engine runs with glibc's heap on transparent huge pages when started by the front end,
// unless the environment already says otherwise; `-v --version` tells which.
TEST(FrontEnd, GivesTheEngineHugePagesUnlessTheEnvironmentChoseOtherwise) {
  const auto version = [](const std::string& environment, const fs::path& program) {
    const auto r = test::run_command("env -u GLIBC_TUNABLES " + environment + " " +
                                     quoted(program) + " -v --version");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const fs::path engine = kCli.parent_path() / "setfit-engine";
  EXPECT_TRUE(contains(version("", kCli), "allocator: glibc malloc, transparent huge pages"))
      << version("", kCli);
  EXPECT_TRUE(contains(version("", engine), "allocator: glibc malloc, 4 KB pages"))
      << version("", engine);
  EXPECT_TRUE(contains(version("GLIBC_TUNABLES=glibc.malloc.hugetlb=0", kCli), "4 KB pages"));
  // Other tunables are kept and the huge pages added to them.
  EXPECT_TRUE(
      contains(version("GLIBC_TUNABLES=glibc.malloc.check=0", kCli), "transparent huge pages"));
}

// Verbs that train run the engine on tcmalloc (a lower peak while training), the others on
// glibc's heap; SETFIT_ALLOCATOR=glibc and an LD_PRELOAD of the user's are kept, and a value
// that names no allocator is refused before the engine starts.
TEST(FrontEnd, GivesVerbsThatTrainTcmallocUnlessTheEnvironmentChoseOtherwise) {
  const auto engine_log = [](const std::string& environment, const std::string& verb) {
    return test::run_command("env -u LD_PRELOAD -u SETFIT_ALLOCATOR " + environment + " " +
                             quoted(kCli) + " -vv " + verb + " --help");
  };
  const auto allocator = [&](const std::string& environment, const std::string& verb) {
    const auto r = engine_log(environment, verb);
    const auto at = r.err.find("allocator: ");
    return at == std::string::npos ? r.err : r.err.substr(at, r.err.find('\n', at) - at);
  };
  EXPECT_TRUE(contains(allocator("", "train"), "allocator: tcmalloc")) << allocator("", "train");
  EXPECT_TRUE(contains(allocator("", "sweep run"), "allocator: tcmalloc"));
  EXPECT_TRUE(contains(allocator("", "predict"), "allocator: glibc malloc"));
  EXPECT_TRUE(contains(allocator("", "encode"), "allocator: glibc malloc"));
  EXPECT_TRUE(contains(allocator("SETFIT_ALLOCATOR=glibc", "train"), "allocator: glibc malloc"));
  EXPECT_TRUE(contains(allocator("SETFIT_ALLOCATOR=tcmalloc", "train"), "allocator: tcmalloc"));
  EXPECT_TRUE(contains(allocator("LD_PRELOAD=libm.so.6", "train"), "allocator: glibc malloc"));
  const auto refused = engine_log("SETFIT_ALLOCATOR=jemalloc", "train");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(contains(refused.err, "SETFIT_ALLOCATOR is 'jemalloc'; expected tcmalloc"))
      << refused.err;
}

}  // namespace
}  // namespace setfit
