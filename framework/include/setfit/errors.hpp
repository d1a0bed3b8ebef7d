#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "setfit/export.hpp"

namespace setfit {

// Root of every error the framework throws on purpose. Messages are complete
// sentences that say what was wrong, where, and what was expected.
class SETFIT_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  ~Error() override;
};

// A command line that cannot be understood (unknown verb, flag or value): exit code 2.
class SETFIT_API UsageError : public Error {
 public:
  using Error::Error;
  ~UsageError() override;
};

// A non-finite training loss: the run diverged (a run store records it as DIVERGED).
class SETFIT_API TrainingDiverged : public Error {
 public:
  TrainingDiverged(const std::string& message, std::string stage, std::int64_t step);
  ~TrainingDiverged() override;
  const std::string& stage() const { return stage_; }
  std::int64_t step() const { return step_; }

 private:
  std::string stage_;
  std::int64_t step_;
};

// Anything that went wrong in or around a plugin.
class SETFIT_API PluginError : public Error {
 public:
  using Error::Error;
  ~PluginError() override;
};

// A file that could not be loaded as a plugin (not a library, missing entry points).
class SETFIT_API PluginLoadError : public PluginError {
 public:
  using PluginError::PluginError;
  ~PluginLoadError() override;
};

// A plugin built against another plugin ABI, LibTorch or compiler.
class SETFIT_API PluginAbiMismatch : public PluginLoadError {
 public:
  using PluginLoadError::PluginLoadError;
  ~PluginAbiMismatch() override;
};

// A plugin name that no loaded plugin provides, or that two plugins claim.
class SETFIT_API UnknownComponent : public PluginError {
 public:
  using PluginError::PluginError;
  ~UnknownComponent() override;
};

// Parameters that do not fit a plugin's schema (unknown key, wrong type). `parameter()`
// names the offending one where there is one, so that a config reader can add where it
// was written.
class SETFIT_API ComponentConfigError : public PluginError {
 public:
  explicit ComponentConfigError(const std::string& message, std::string parameter = "");
  ~ComponentConfigError() override;
  const std::string& parameter() const { return parameter_; }

 private:
  std::string parameter_;
};

}  // namespace setfit
