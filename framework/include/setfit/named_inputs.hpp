#pragma once

// How names in configs become folders. A config may name a fetched data set
// (`[data] dataset = "spamassassin"`) or model (`[model] body = "glove-100d"`); the library
// knows no such catalogue: whoever reads configs supplies one (the CLI gives the assets
// library's, which downloads into a cache).

#include <filesystem>
#include <string>

#include "setfit/export.hpp"

namespace setfit {

class SETFIT_API NamedInputs {
 public:
  virtual ~NamedInputs();
  // Whether `name` is a data set this catalogue provides.
  virtual bool is_dataset(const std::string& name) const;
  // Whether `name` is a model this catalogue provides (so no folder is looked for).
  virtual bool is_model(const std::string& name) const;
  // The data set's folder (train.jsonl, test.jsonl): fetched first when `fetch`, else where
  // it will be (possibly not there yet).
  virtual std::filesystem::path dataset(const std::string& name, bool fetch) const;
  // A body: an existing folder, or a model name (fetched when not cached). Throws
  // setfit::Error saying what was looked for.
  virtual std::filesystem::path model(const std::string& reference) const;
  // What `setfit fetch --list` would show, for messages: "glove-100d, ...".
  virtual std::string describe_datasets() const;
};

}  // namespace setfit
