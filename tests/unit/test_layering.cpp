// The layers hold: no source file includes a header of a higher layer, the plugin SDK
// includes only the SDK, and the CLI includes only public <setfit/...> headers and its own.
// docs/design.md describes the same table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

namespace {

namespace fs = std::filesystem;
const fs::path kFramework = fs::path(SETFIT_TEST_DATA_DIR) / "../../framework";

// Low to high. A file may include headers of its own layer and the ones below.
enum Layer { Sdk, Base, Components, Model, Training, Config, Sweeps, Assets, Cli };
const char* kLayerNames[] = {"sdk",    "base",   "components", "model", "training",
                             "config", "sweeps", "assets",     "cli"};

// Source folders of framework/src.
const std::map<std::string, Layer> kFolders = {
    {"core", Base},       {"text", Base},       {"store", Components},
    {"body", Components}, {"data", Components}, {"plugins", Components},
    {"model", Model},     {"train", Training},  {"config", Config},
    {"sweep", Sweeps},    {"results", Sweeps},  {"report", Sweeps},
    {"assets", Assets},   {"cli", Cli}};

// Files of the plugin SDK (libsetfit_sdk), inside the folders above.
const std::map<std::string, Layer> kSdkFiles = {
    {"core/errors.cpp", Sdk},       {"core/params.cpp", Sdk},    {"core/nearest_name.cpp", Sdk},
    {"core/nearest_name.hpp", Sdk}, {"plugins/plugin.cpp", Sdk}, {"plugins/plugin_kind.cpp", Sdk}};

// Public headers (framework/include/setfit).
const std::map<std::string, Layer> kPublic = {{"export.hpp", Sdk},
                                              {"errors.hpp", Sdk},
                                              {"params.hpp", Sdk},
                                              {"plugin.hpp", Sdk},
                                              {"log.hpp", Base},
                                              {"runtime.hpp", Base},
                                              {"sanitizers.hpp", Base},
                                              {"device.hpp", Base},
                                              {"version.hpp", Base},
                                              {"per_stage.hpp", Base},
                                              {"records.hpp", Base},
                                              {"text.hpp", Base},
                                              {"tokenizer.hpp", Base},
                                              {"safetensors.hpp", Components},
                                              {"sentence_encoder.hpp", Components},
                                              {"dataset.hpp", Components},
                                              {"plugin_registry.hpp", Components},
                                              {"plugin_conformance.hpp", Components},
                                              {"plugin_scaffold.hpp", Components},
                                              {"conformance_test.hpp", Components},
                                              {"run_store.hpp", Components},
                                              {"model.hpp", Model},
                                              {"metrics.hpp", Training},
                                              {"training_args.hpp", Training},
                                              {"stage_one_plugins.hpp", Training},
                                              {"trainer.hpp", Training},
                                              {"named_inputs.hpp", Config},
                                              {"run_config.hpp", Config},
                                              {"sweep.hpp", Sweeps},
                                              {"sweep_manifest.hpp", Sweeps},
                                              {"slurm.hpp", Sweeps},
                                              {"run_recorder.hpp", Sweeps},
                                              {"results.hpp", Sweeps},
                                              {"report.hpp", Sweeps},
                                              {"assets.hpp", Assets}};

struct Violation {
  std::string file, include, why;
};

std::vector<Violation> check_file(const fs::path& file, const std::string& relative, Layer layer) {
  static const std::regex include_line(R"re(^\s*#\s*include\s*["<]([^">]+)[">])re");
  std::vector<Violation> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, include_line)) continue;
    const std::string target = m[1];
    std::optional<Layer> included;
    if (target.rfind("setfit/", 0) == 0) {
      const auto found = kPublic.find(target.substr(7));
      if (found == kPublic.end()) {
        out.push_back({relative, target, "a public header missing from the layer table"});
        continue;
      }
      included = found->second;
    } else if (target.rfind("../", 0) == 0) {
      const std::string path = target.substr(3);  // "train/x.hpp"
      if (layer == Cli) {
        out.push_back({relative, target, "the CLI includes only public headers"});
        continue;
      }
      const auto sdk = kSdkFiles.find(path);
      const auto folder = kFolders.find(path.substr(0, path.find('/')));
      if (sdk != kSdkFiles.end()) {
        included = sdk->second;
      } else if (folder != kFolders.end()) {
        included = folder->second;
      }
    } else if (target.find('/') == std::string::npos && target.size() > 4 &&
               target.substr(target.size() - 4) == ".hpp" &&
               fs::exists(file.parent_path() / target)) {
      // Beside this file: the same folder's layer (or the SDK's, for SDK files).
      const std::string sibling =
          relative.substr(0, relative.find('/') + 1) + target;  // "core/x.hpp"
      const auto sdk = kSdkFiles.find(sibling);
      included = sdk != kSdkFiles.end() ? sdk->second : layer;
      if (layer == Sdk && sdk == kSdkFiles.end()) included = Base;
    }
    if (included && *included > layer) {
      out.push_back({relative, target,
                     std::string("layer '") + kLayerNames[layer] + "' includes layer '" +
                         kLayerNames[*included] + "'"});
    }
  }
  return out;
}

TEST(Layering, NoFileIncludesAHigherLayer) {
  std::vector<Violation> violations;
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kFramework / "src")) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = fs::relative(entry.path(), kFramework / "src").string();
    const auto folder = kFolders.find(relative.substr(0, relative.find('/')));
    ASSERT_NE(folder, kFolders.end())
        << "a source folder missing from the layer table: " << relative;
    const auto sdk = kSdkFiles.find(relative);
    const Layer layer = sdk != kSdkFiles.end() ? sdk->second : folder->second;
    const auto found = check_file(entry.path(), relative, layer);
    violations.insert(violations.end(), found.begin(), found.end());
    ++files;
  }
  for (const auto& entry : fs::directory_iterator(kFramework / "include" / "setfit")) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 4 || name.substr(name.size() - 4) != ".hpp") continue;
    const auto layer = kPublic.find(name);
    ASSERT_NE(layer, kPublic.end()) << "a public header missing from the layer table: " << name;
    const auto found = check_file(entry.path(), "include/setfit/" + name, layer->second);
    violations.insert(violations.end(), found.begin(), found.end());
    ++files;
  }
  EXPECT_GT(files, 100u);
  for (const auto& v : violations)
    ADD_FAILURE() << v.file << " includes " << v.include << ": " << v.why;
}

// The check itself catches what it is for.
TEST(Layering, TheCheckFindsAViolation) {
  const fs::path dir = fs::temp_directory_path() / "setfit-layering-check";
  fs::create_directories(dir);
  std::ofstream(dir / "store.cpp")
      << "#include \"setfit/trainer.hpp\"\n#include \"../train/x.hpp\"\n";
  const auto found = check_file(dir / "store.cpp", "store/store.cpp", Components);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].why, "layer 'components' includes layer 'training'");
  std::ofstream(dir / "cli.cpp") << "#include \"../core/sha256.hpp\"\n";
  EXPECT_EQ(check_file(dir / "cli.cpp", "cli/cli.cpp", Cli).at(0).why,
            "the CLI includes only public headers");
  fs::remove_all(dir);
}

}  // namespace
