#pragma once

// Wrappers that put a try/catch around every call into a plugin object, so an
// exception thrown inside a plugin reaches the caller as a setfit::PluginError that
// names the plugin, while the plugin library is still loaded to destroy it.

#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <memory>
#include <string>

#include "setfit/errors.hpp"
#include "setfit/plugin.hpp"

namespace setfit::detail {

std::shared_ptr<Loss> guard(std::shared_ptr<Loss> inner, std::string label);
std::shared_ptr<Head> guard(std::shared_ptr<Head> inner, std::string label);
std::shared_ptr<Sampler> guard(std::shared_ptr<Sampler> inner, std::string label);

// Runs `call`, turning any exception into a PluginError "<label> failed in <where>: ...".
template <typename Call>
auto call_plugin(const std::string& label, const char* where, Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const c10::Error& e) {
    // LibTorch's what() carries a C++ backtrace; the short form is what users need.
    throw PluginError(fmt::format("{} failed in {}: {}", label, where, e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw PluginError(fmt::format("{} failed in {}: {}", label, where, e.what()));
  } catch (...) {
    throw PluginError(fmt::format("{} failed in {}: an exception of unknown type", label, where));
  }
}

}  // namespace setfit::detail
