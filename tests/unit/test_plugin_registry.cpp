#include <gtest/gtest.h>
#include <link.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>

#include "setfit/errors.hpp"
#include "setfit/plugin_registry.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

const fs::path kFixtures = SETFIT_TEST_FIXTURE_PLUGIN_DIR;
const fs::path kBuiltins = SETFIT_TEST_BUILTIN_PLUGIN_DIR;

using test::contains;

// The single failure recorded after loading `dir`.
PluginLoadFailure only_failure_of(const fs::path& dir) {
  PluginRegistry registry;
  registry.load_directories({dir});
  EXPECT_TRUE(registry.plugins().empty());
  EXPECT_EQ(registry.failures().size(), 1u);
  return registry.failures().empty() ? PluginLoadFailure{} : registry.failures().front();
}

bool library_is_mapped(const fs::path& file) {
  struct Search {
    std::string wanted;
    bool found = false;
  } search{fs::canonical(file).string()};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        if (info->dlpi_name && s->wanted == info->dlpi_name) s->found = true;
        return 0;
      },
      &search);
  return search.found;
}

TEST(PluginRegistry, BuiltinDirIsNextToLibsetfit) {
  EXPECT_EQ(fs::canonical(PluginRegistry::builtin_dir()), fs::canonical(kBuiltins));
}

TEST(PluginRegistry, FindsOneBuiltinOfEachKind) {
  PluginRegistry registry;
  registry.load_directories({PluginRegistry::builtin_dir()});
  EXPECT_TRUE(registry.failures().empty());
  EXPECT_EQ(registry.find(PluginKind::Loss, "CosineSimilarityLoss").info.kind, PluginKind::Loss);
  EXPECT_EQ(registry.find(PluginKind::Head, "linear").info.kind, PluginKind::Head);
  EXPECT_EQ(registry.find(PluginKind::Sampler, "oversampling").info.kind, PluginKind::Sampler);
  for (const auto& plugin : registry.plugins()) {
    EXPECT_EQ(plugin.file.parent_path(), fs::canonical(kBuiltins)) << plugin.info.name;
    EXPECT_FALSE(plugin.info.version.empty());
    EXPECT_FALSE(plugin.info.description.empty());
  }
}

TEST(PluginRegistry, SearchPathIsFlagsThenEnvironmentThenBuiltins) {
  test::TempDir a, b, c;
  ::setenv("SETFIT_PLUGIN_PATH", (b.path().string() + "::" + c.path().string()).c_str(), 1);
  auto path = PluginRegistry::search_path({a.path(), b.path()});
  ::unsetenv("SETFIT_PLUGIN_PATH");
  // b is named twice (flag and environment) and searched once, at its first position.
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path[0], a.path());
  EXPECT_EQ(path[1], b.path());
  EXPECT_EQ(path[2], c.path());
  EXPECT_EQ(path[3], PluginRegistry::builtin_dir());
}

TEST(PluginRegistry, MissingDirectoryIsSkipped) {
  PluginRegistry registry;
  registry.load_directories({"/nonexistent/setfit/plugins"});
  EXPECT_TRUE(registry.plugins().empty());
  EXPECT_TRUE(registry.failures().empty());
}

TEST(PluginRegistry, WrongAbiStampIsRefusedBeforeAnythingElse) {
  // The fixture's info and factory abort(); reaching here proves they were not called. Its
  // static initialiser writes the marker file when the library is loaded: the stamp is read
  // from the file, so it must never be.
  test::TempDir dir;
  const auto marker = dir.path() / "loaded";
  setenv("SETFIT_TEST_LOADED_MARKER", marker.c_str(), 1);
  auto failure = only_failure_of(kFixtures / "bad_abi");
  unsetenv("SETFIT_TEST_LOADED_MARKER");
  EXPECT_FALSE(std::filesystem::exists(marker))
      << "the plugin's code ran before its stamp was read";
  EXPECT_TRUE(contains(failure.reason, "ABI mismatch")) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "plugin ABI 999, LibTorch 0.0.1, Imaginary 1"))
      << failure.reason;
  EXPECT_TRUE(contains(failure.reason, std::string("LibTorch ") + TORCH_VERSION)) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "rebuild the plugin")) << failure.reason;
}

TEST(PluginRegistry, FileThatIsNotALibraryIsRefused) {
  test::TempDir dir;
  std::ofstream(dir.path() / "not_a_library.so") << "this is text, not ELF\n";
  auto failure = only_failure_of(dir.path());
  EXPECT_EQ(failure.file.filename(), "not_a_library.so");
  EXPECT_TRUE(contains(failure.reason, "not a loadable shared library")) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "not_a_library.so")) << failure.reason;
}

TEST(PluginRegistry, LibraryWithoutEntryPointsIsRefused) {
  auto failure = only_failure_of(kFixtures / "no_entry_points");
  EXPECT_TRUE(contains(failure.reason, "not a setfit plugin")) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "no ABI stamp (section .setfit_abi)")) << failure.reason;
}

TEST(PluginRegistry, StampWithoutFactoryNamesTheMissingEntryPoints) {
  auto failure = only_failure_of(kFixtures / "no_factory");
  EXPECT_TRUE(contains(failure.reason, "missing entry point(s)")) << failure.reason;
  EXPECT_TRUE(contains(failure.reason, "setfit_plugin_info, setfit_plugin_create"))
      << failure.reason;
}

TEST(PluginRegistry, InconsistentSchemaIsRefused) {
  auto failure = only_failure_of(kFixtures / "bad_schema");
  EXPECT_TRUE(contains(failure.reason, "parameter 'margin' is declared float")) << failure.reason;
}

TEST(PluginRegistry, DuplicateNameIsAnErrorNamingBothFiles) {
  PluginRegistry registry;
  registry.load_directories({kFixtures / "duplicate"});
  ASSERT_EQ(registry.failures().size(), 1u);
  const auto& reason = registry.failures().front().reason;
  EXPECT_TRUE(contains(reason, "duplicate loss plugin 'DuplicateLoss'")) << reason;
  EXPECT_TRUE(contains(reason, "setfit_loss_fixture_duplicate_a.so")) << reason;
  EXPECT_EQ(registry.failures().front().file.filename(), "setfit_loss_fixture_duplicate_b.so");
  try {
    registry.create_loss("DuplicateLoss");
    FAIL() << "expected UnknownComponent";
  } catch (const UnknownComponent& e) {
    std::string message = e.what();
    EXPECT_TRUE(contains(message, "setfit_loss_fixture_duplicate_a.so")) << message;
    EXPECT_TRUE(contains(message, "setfit_loss_fixture_duplicate_b.so")) << message;
  }
}

TEST(PluginRegistry, SameFileTwiceIsLoadedOnce) {
  PluginRegistry registry;
  registry.load_directories({kBuiltins, kBuiltins});
  EXPECT_TRUE(registry.failures().empty());
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kBuiltins))
    files += entry.path().extension() == ".so";
  EXPECT_EQ(registry.plugins().size(), files);
}

TEST(PluginRegistry, UnknownNameListsWhatExistsAndTheFailures) {
  PluginRegistry registry;
  registry.load_directories({kBuiltins, kFixtures / "bad_abi"});
  try {
    registry.create_loss("TripletLoss");
    FAIL() << "expected UnknownComponent";
  } catch (const UnknownComponent& e) {
    std::string message = e.what();
    EXPECT_TRUE(contains(message, "no loss plugin named 'TripletLoss'")) << message;
    EXPECT_TRUE(contains(message, "available: ")) << message;
    EXPECT_TRUE(contains(message, "CosineSimilarityLoss")) << message;
    EXPECT_TRUE(contains(message, "ABI mismatch")) << message;
  }
}

TEST(PluginRegistry, ParametersAreValidatedAgainstTheSchema) {
  PluginRegistry registry;
  registry.load_directories({kBuiltins});
  EXPECT_THROW(registry.create_head("linear", {{"temprature", 2.0}}), ComponentConfigError);
  EXPECT_THROW(registry.create_head("linear", {{"temperature", std::string("hot")}}),
               ComponentConfigError);
  EXPECT_NO_THROW(registry.create_head("linear", {{"temperature", std::int64_t{2}}}));
}

TEST(PluginRegistry, FactoryExceptionBecomesPluginErrorNamingThePlugin) {
  PluginRegistry registry;
  registry.load_directories({kFixtures / "faulty"});
  ASSERT_TRUE(registry.failures().empty());
  try {
    registry.create_loss("FaultyLoss", {{"fail_in_constructor", true}});
    FAIL() << "expected PluginError";
  } catch (const PluginError& e) {
    std::string message = e.what();
    EXPECT_TRUE(contains(message, "loss plugin 'FaultyLoss'")) << message;
    EXPECT_TRUE(contains(message, "setfit_loss_fixture_faulty.so")) << message;
    EXPECT_TRUE(contains(message, "its factory")) << message;
    EXPECT_TRUE(contains(message, "refusing to start")) << message;
  }
}

TEST(PluginRegistry, MethodExceptionBecomesPluginErrorNamingThePlugin) {
  PluginRegistry registry;
  registry.load_directories({kFixtures / "faulty"});
  auto loss = registry.create_loss("FaultyLoss");
  auto x = torch::ones({2, 3});
  try {
    loss->forward(x, x, torch::ones({2}));
    FAIL() << "expected PluginError";
  } catch (const PluginError& e) {
    std::string message = e.what();
    EXPECT_TRUE(contains(message, "loss plugin 'FaultyLoss'")) << message;
    EXPECT_TRUE(contains(message, "forward()")) << message;
    EXPECT_TRUE(contains(message, "forward is broken in this fixture")) << message;
  }
}

TEST(PluginRegistry, TorchErrorsInsideAPluginLoseTheirBacktrace) {
  PluginRegistry registry;
  registry.load_directories({kBuiltins});
  auto loss = registry.create_loss("CosineSimilarityLoss");
  // Boolean embeddings have no norm: LibTorch throws c10::Error inside the plugin.
  auto a = torch::ones({2, 3}, torch::kBool);
  try {
    loss->forward(a, a, torch::ones({2}));
    FAIL() << "expected PluginError";
  } catch (const PluginError& e) {
    std::string message = e.what();
    EXPECT_TRUE(contains(message, "CosineSimilarityLoss")) << message;
    EXPECT_FALSE(contains(message, "frame #")) << message;
  }
}

TEST(PluginRegistry, ComponentsOutliveTheRegistry) {
  std::shared_ptr<Loss> loss;
  std::shared_ptr<Head> head;
  fs::path loss_file;
  {
    PluginRegistry registry;
    registry.load_directories({kBuiltins});
    loss = registry.create_loss("CosineSimilarityLoss");
    head = registry.create_head("linear");
    loss_file = registry.find(PluginKind::Loss, "CosineSimilarityLoss").file;
  }
  // The registry and its handles are gone; the objects still hold their libraries.
  EXPECT_TRUE(library_is_mapped(loss_file));
  auto u = torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}});
  auto v = torch::tensor({{1.0f, 0.0f}, {1.0f, 0.0f}});
  auto value = loss->forward(u, v, torch::tensor({1.0f, 1.0f}));
  EXPECT_NEAR(value.item<float>(), 0.5f, 1e-6f);  // ((1-1)^2 + (0-1)^2) / 2
  head->initialize(4, 3);
  EXPECT_EQ(head->predict_proba(torch::ones({5, 4})).sizes(), (std::vector<int64_t>{5, 3}));
  loss.reset();
  head.reset();  // destructors run inside the still-loaded plugins
}

}  // namespace
}  // namespace setfit
