#include "setfit/named_inputs.hpp"

#include <fmt/format.h>

#include "setfit/errors.hpp"

namespace setfit {

// The base catalogue is empty: folders only.
NamedInputs::~NamedInputs() = default;

bool NamedInputs::is_dataset(const std::string&) const {
  return false;
}

bool NamedInputs::is_model(const std::string&) const {
  return false;
}

std::filesystem::path NamedInputs::dataset(const std::string& name, bool) const {
  throw Error(fmt::format("'{}' is not a known data set", name));
}

std::filesystem::path NamedInputs::model(const std::string& reference) const {
  std::error_code ec;
  if (std::filesystem::is_directory(reference, ec)) return reference;
  throw Error(fmt::format("model '{}' is not a folder", reference));
}

std::string NamedInputs::describe_datasets() const {
  return "none";
}

}  // namespace setfit
