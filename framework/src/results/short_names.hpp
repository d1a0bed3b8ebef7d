#pragma once

#include <string>
#include <vector>

namespace setfit::detail {

// The candidates a name stands for: itself when it is one, else those ending in ".NAME"
// (`accuracy` for metrics.accuracy, `batch_size` for params.embedding.batch_size and
// params.classifier.batch_size). Empty when nothing matches.
std::vector<std::string> short_name_matches(const std::string& name,
                                            const std::vector<std::string>& candidates);

// The one candidate `name` stands for; throws UsageError naming `what` when it is unknown
// (with the nearest candidate, also by last name part) or ambiguous (with the matches).
std::string resolve_short_name(const std::string& name, const std::vector<std::string>& candidates,
                               const std::string& what);

// "; did you mean 'x'?" by the whole name or by the last part of each candidate.
std::string short_name_hint(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace setfit::detail
