#include "short_names.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "../core/nearest_name.hpp"
#include "setfit/errors.hpp"

namespace setfit::detail {

std::vector<std::string> short_name_matches(const std::string& name,
                                            const std::vector<std::string>& candidates) {
  if (std::find(candidates.begin(), candidates.end(), name) != candidates.end()) return {name};
  std::vector<std::string> out;
  const std::string suffix = "." + name;
  for (const auto& c : candidates) {
    if (c.size() > suffix.size() && c.compare(c.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(c);
  }
  return out;
}

std::string short_name_hint(const std::string& name, const std::vector<std::string>& candidates) {
  std::string hint = did_you_mean(name, candidates);
  if (!hint.empty()) return hint;
  std::vector<std::string> last_parts;
  for (const auto& c : candidates) last_parts.push_back(c.substr(c.rfind('.') + 1));
  const std::string nearest = nearest_name(name, last_parts);
  return nearest.empty() ? "" : fmt::format("; did you mean '{}'?", nearest);
}

std::string resolve_short_name(const std::string& name, const std::vector<std::string>& candidates,
                               const std::string& what) {
  const auto matches = short_name_matches(name, candidates);
  if (matches.size() == 1) return matches.front();
  if (matches.size() > 1)
    throw UsageError(fmt::format("{} '{}' is ambiguous: {}", what, name, fmt::join(matches, ", ")));
  throw UsageError(fmt::format(
      "unknown {} '{}'{}; known: {}", what, name, short_name_hint(name, candidates),
      candidates.empty() ? std::string("none") : fmt::format("{}", fmt::join(candidates, ", "))));
}

}  // namespace setfit::detail
