#include "setfit/plugin.hpp"

#include <ATen/core/Tensor.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "setfit/errors.hpp"

namespace setfit {

// Out-of-line destructors: the interfaces' vtables and typeinfo live in libsetfit.
Component::~Component() = default;
Loss::~Loss() = default;
Head::~Head() = default;
Sampler::~Sampler() = default;

std::vector<at::Tensor> Loss::parameters() {
  return {};
}

void assign_state(const std::vector<std::pair<std::string, at::Tensor>>& state,
                  const std::vector<std::pair<std::string, at::Tensor*>>& targets) {
  if (state.size() != targets.size()) {
    throw Error(fmt::format("the saved head state has {} tensors, this head has {}", state.size(),
                            targets.size()));
  }
  for (const auto& [name, target] : targets) {
    const auto found = std::find_if(state.begin(), state.end(),
                                    [&](const auto& entry) { return entry.first == name; });
    if (found == state.end())
      throw Error(fmt::format("the saved head state has no tensor '{}'", name));
    if (found->second.sizes() != target->sizes()) {
      throw Error(fmt::format("the saved head tensor '{}' has shape {}, this head expects {}", name,
                              found->second.sizes(), target->sizes()));
    }
    // On the target's device: a head on a GPU stays there.
    *target = found->second.detach().to(target->device(), target->scalar_type()).clone();
  }
}

std::string_view host_abi_text() {
  return SETFIT_ABI_TEXT;
}

const setfit_abi_stamp& host_abi_stamp() {
  static const setfit_abi_stamp stamp{SETFIT_PLUGIN_ABI_VERSION, SETFIT_TORCH_VERSION,
                                      SETFIT_COMPILER_ID, SETFIT_COMPILER_MAJOR};
  return stamp;
}

}  // namespace setfit

namespace setfit {

bool Sampler::yields_batches() const {
  return false;
}

std::vector<std::vector<std::int64_t>> Sampler::batches(const SamplingRequest&) {
  throw Error("this sampler yields pairs, not label-grouped batches");
}

}  // namespace setfit
