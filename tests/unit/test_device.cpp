// The device setting: parsed strictly, checked against what this LibTorch and machine have
// before anything loads, recorded and keyed only for a GPU, and applied to the body and a
// differentiable head. CPU is what these tests run; where a GPU is visible the same tests
// check that it is accepted.

#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <fstream>

#include "builtin_registry.hpp"
#include "golden.hpp"
#include "setfit/device.hpp"
#include "setfit/errors.hpp"
#include "setfit/model.hpp"
#include "setfit/run_config.hpp"
#include "setfit/runtime.hpp"
#include "setfit/sweep.hpp"
#include "test_support.hpp"

namespace setfit {
namespace {

using test::contains;

TEST(Device, ParsesCpuCudaAndCudaN) {
  EXPECT_TRUE(parse_device("cpu").is_cpu());
  EXPECT_EQ(parse_device("cuda"), (Device{Device::Kind::Cuda, 0}));
  EXPECT_EQ(parse_device("cuda:3"), (Device{Device::Kind::Cuda, 3}));
  EXPECT_EQ(to_string(parse_device("cuda:3")), "cuda:3");
  EXPECT_EQ(to_string(parse_device("cpu")), "cpu");
  for (const char* bad : {"gpu", "CPU", "cuda:", "cuda:-1", "cuda:x", "cuda:1x", "", "cuda0"}) {
    try {
      parse_device(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_TRUE(contains(e.what(), std::string("'") + bad + "'")) << e.what();
      EXPECT_TRUE(contains(e.what(), "cpu, cuda or cuda:N")) << e.what();
    }
  }
}

TEST(Device, ACudaDeviceIsCheckedAgainstTheGpusThere) {
  EXPECT_NO_THROW(runtime::check_device(Device{}, "--device"));
  const auto gpus = static_cast<int>(torch::cuda::device_count());
  if (torch::cuda::is_available()) {
    EXPECT_NO_THROW(runtime::check_device(parse_device("cuda"), "--device"));
  } else {
    try {
      runtime::check_device(parse_device("cuda"), "--device");
      FAIL() << "cuda accepted without a GPU";
    } catch (const Error& e) {
      EXPECT_TRUE(contains(e.what(), "--device: cuda:0: ")) << e.what();
      EXPECT_TRUE(contains(e.what(), "CUDA")) << e.what();
    }
  }
  // Past the last GPU (or any GPU, where there is none).
  const Device past{Device::Kind::Cuda, gpus};
  EXPECT_THROW(runtime::check_device(past, "[model] device"), Error);
}

// One data folder for every config read, so that only the [model] table differs.
const test::TempDir& data_dir() {
  static const test::TempDir dir;
  return dir;
}

std::vector<ArgRecord> records_for(const std::string& model_table, RunKeys* keys = nullptr) {
  const auto& dir = data_dir();
  std::ofstream(dir.path() / "t.jsonl") << R"({"text": "a", "label": 0})"
                                        << "\n";
  const auto doc = toml::parse("[data]\ntrain = \"t.jsonl\"\n[model]\nbody = \"" +
                               test::golden_dir("bert-tiny").string() + "\"\n" + model_table);
  const NamedInputs folders_only;
  const auto config = read_run_config(doc, {"c.toml", dir.path()}, folders_only);
  const auto plugins = resolve_plugins(config, test::builtin_registry());
  auto records = config_records(config, plugins);
  if (keys != nullptr) {
    InputFingerprints fingerprints;
    *keys = run_keys(config, config.body, records, plugins, test::builtin_registry(), fingerprints);
  }
  return records;
}

ArgRecord device_record(const std::vector<ArgRecord>& records) {
  for (const auto& r : records)
    if (r.key == "model.device") return r;
  ADD_FAILURE() << "no model.device record";
  return {};
}

TEST(Device, TheConfigKeyIsRecordedAndOnlyAGpuChangesRunKeys) {
  RunKeys unset, cpu, cuda;
  const auto unset_records = records_for("", &unset);
  EXPECT_EQ(device_record(unset_records).value_text, "cpu");
  EXPECT_TRUE(device_record(unset_records).is_default);
  const auto cpu_records = records_for("device = \"cpu\"\n", &cpu);
  EXPECT_TRUE(device_record(cpu_records).is_default);
  EXPECT_EQ(cpu.key, unset.key);
  EXPECT_EQ(cpu.stage1_key, unset.stage1_key);
  // Reading a config does not need the GPU (a sweep may be planned on a machine without one).
  const auto cuda_records = records_for("device = \"cuda:1\"\n", &cuda);
  EXPECT_EQ(device_record(cuda_records).value_text, "cuda:1");
  EXPECT_FALSE(device_record(cuda_records).is_default);
  EXPECT_NE(cuda.key, unset.key);
  EXPECT_NE(cuda.stage1_key, unset.stage1_key);
  try {
    records_for("device = \"gpu\"\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "c.toml:5:10: [model] key 'device': unknown device 'gpu'"))
        << e.what();
  }
}

TEST(Device, AModelOnAMissingGpuIsRefusedWhenItLoads) {
  // The GPU one past the last: cuda:0 on a machine without one.
  const Device missing{Device::Kind::Cuda, static_cast<int>(torch::cuda::device_count())};
  ModelOptions options;
  options.device = missing;
  try {
    Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry(), options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "body: " + to_string(missing) + ": ")) << e.what();
  }
}

TEST(Device, TheBodyAndADifferentiableHeadFollowTheModel) {
  const Device device = torch::cuda::is_available() ? parse_device("cuda") : Device{};
  ModelOptions options;
  options.head = "linear";
  options.device = device;
  auto model =
      Model::from_pretrained(test::golden_dir("bert-tiny"), test::builtin_registry(), options);
  model->initialize_head({"a", "b"});
  const auto expected =
      device.is_cpu() ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA, 0);
  for (const auto& p : model->body()->parameters()) EXPECT_EQ(p.device(), expected);
  for (const auto& p : model->head()->parameters()) EXPECT_EQ(p.device(), expected);
  EXPECT_EQ(model->body()->embed({"a text"}).device(), expected);
  // Inference hands back CPU tensors whatever the device.
  EXPECT_EQ(model->predict_proba({"a text"}).device(), torch::Device(torch::kCPU));
  EXPECT_EQ(model->encode({"a text"}).device(), torch::Device(torch::kCPU));
  model->to(Device{});
  for (const auto& p : model->head()->parameters())
    EXPECT_EQ(p.device(), torch::Device(torch::kCPU));
}

}  // namespace
}  // namespace setfit
