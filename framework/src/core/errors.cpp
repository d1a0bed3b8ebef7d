#include "setfit/errors.hpp"

#include <utility>

namespace setfit {

// Out-of-line destructors anchor each class's vtable and typeinfo in libsetfit, so
// exceptions thrown in a plugin are caught by type in the host.
Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::~Error() = default;
UsageError::~UsageError() = default;
TrainingDiverged::TrainingDiverged(const std::string& message, std::string stage, std::int64_t step)
    : Error(message), stage_(std::move(stage)), step_(step) {}
TrainingDiverged::~TrainingDiverged() = default;
PluginError::~PluginError() = default;
PluginLoadError::~PluginLoadError() = default;
PluginAbiMismatch::~PluginAbiMismatch() = default;
UnknownComponent::~UnknownComponent() = default;
ComponentConfigError::ComponentConfigError(const std::string& message, std::string parameter)
    : PluginError(message), parameter_(std::move(parameter)) {}
ComponentConfigError::~ComponentConfigError() = default;

}  // namespace setfit
