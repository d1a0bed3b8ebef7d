#include "setfit/model.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

#include "../core/json_file.hpp"
#include "../core/paths.hpp"
#include "../core/torch_device.hpp"
#include "per_label_head.hpp"
#include "setfit/errors.hpp"
#include "setfit/log.hpp"
#include "setfit/plugin_registry.hpp"
#include "setfit/safetensors.hpp"
#include "setfit/version.hpp"

namespace fs = std::filesystem;

namespace setfit {
namespace {

constexpr const char* kConfigFile = "config_setfit.json";
constexpr const char* kHeadFile = "model_head.safetensors";

nlohmann::json to_json(const ParamMap& params) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : params) {
    std::visit([&](const auto& v) { out[key] = v; }, value);
  }
  return out;
}

ParamMap params_from_json(const nlohmann::json& object, const std::string& origin) {
  if (!object.is_object()) throw Error(fmt::format("{}: head.params must be an object", origin));
  ParamMap out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_boolean())
      out.emplace(key, value.get<bool>());
    else if (value.is_number_integer())
      out.emplace(key, value.get<std::int64_t>());
    else if (value.is_number())
      out.emplace(key, value.get<double>());
    else if (value.is_string())
      out.emplace(key, value.get<std::string>());
    else
      throw Error(
          fmt::format("{}: head parameter '{}' must be a bool, number or string", origin, key));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& multi_target_strategies() {
  static const std::vector<std::string> names = {"one-vs-rest", "multi-output", "classifier-chain"};
  return names;
}

struct Model::Impl {
  std::shared_ptr<SentenceEncoder> body;
  const PluginRegistry* registry = nullptr;
  ModelOptions options;
  ParamMap head_params;  // resolved against the plugin's schema
  std::string head_version;
  bool head_differentiable = false;
  std::shared_ptr<Head> head;
  Precision precision = Precision::Fp32;

  std::shared_ptr<Head> create_plain_head() const {
    return registry->create_head(options.head, head_params);
  }
};

Model::Model(std::shared_ptr<SentenceEncoder> body, const PluginRegistry& registry,
             ModelOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!body) throw Error("a model needs a body");
  const auto& strategies = multi_target_strategies();
  if (!options.multi_target_strategy.empty() &&
      std::find(strategies.begin(), strategies.end(), options.multi_target_strategy) ==
          strategies.end()) {
    throw Error(fmt::format("unknown multi_target_strategy '{}'; expected one of: {}",
                            options.multi_target_strategy, fmt::join(strategies, ", ")));
  }
  impl_->body = std::move(body);
  impl_->body->set_static_token_limit(options.static_token_limit);
  impl_->registry = &registry;
  const auto& plugin = registry.find(PluginKind::Head, options.head);
  impl_->head_version = plugin.info.version;
  ParamMap requested = options.head_params;
  // Creating one instance checks the parameters and tells whether the head is differentiable.
  impl_->head_differentiable = registry.create_head(options.head, requested)->differentiable();
  if (!options.multi_target_strategy.empty() && impl_->head_differentiable) {
    // A differentiable head handles several labels itself (sigmoid outputs), as in SetFit.
    const bool has_switch =
        std::any_of(plugin.info.params.begin(), plugin.info.params.end(),
                    [](const ParamSpec& spec) { return spec.name == "multi_target"; });
    if (!has_switch) {
      throw Error(fmt::format(
          "head '{}' is differentiable but has no multi_target parameter, so it cannot train "
          "on multi-label data",
          options.head));
    }
    requested["multi_target"] = true;
  }
  impl_->head_params =
      Params::resolve(plugin.info.params, requested, fmt::format("head '{}'", options.head))
          .values();
  impl_->options = std::move(options);
  if (impl_->body->device() != impl_->options.device) impl_->body->to(impl_->options.device);
}

Model::~Model() = default;

namespace {

// A differentiable head trains with the body, so it lives on the body's device.
void move_head(Head& head, const Device& device) {
  const auto target = detail::torch_device(device);
  for (auto& parameter : head.parameters()) {
    if (parameter.device() != target) parameter.set_data(parameter.data().to(target));
  }
}

}  // namespace

void Model::to(const Device& device) {
  impl_->body->to(device);
  impl_->options.device = device;
  if (impl_->head && impl_->head_differentiable) move_head(*impl_->head, device);
}

Device Model::device() const {
  return impl_->options.device;
}

std::shared_ptr<Model> Model::from_pretrained(const fs::path& dir, const PluginRegistry& registry,
                                              const ModelOptions& options) {
  auto body = SentenceEncoder::load(dir, LoadOptions{.map_weights = options.map_weights});
  const fs::path config_file = dir / kConfigFile;
  const fs::path head_file = dir / kHeadFile;
  if (!fs::exists(config_file)) return std::make_shared<Model>(std::move(body), registry, options);

  const std::string origin = config_file.string();
  const auto config = detail::read_json_file(config_file);
  ModelOptions saved = options;
  if (config.contains("labels") && !config["labels"].is_null()) {
    if (!config["labels"].is_array())
      throw Error(fmt::format("{}: 'labels' must be a list of strings", origin));
    saved.labels.clear();
    for (const auto& label : config["labels"]) {
      if (!label.is_string() && !label.is_number_integer())
        throw Error(fmt::format("{}: 'labels' must be a list of strings", origin));
      saved.labels.push_back(label.is_string() ? label.get<std::string>()
                                               : std::to_string(label.get<std::int64_t>()));
    }
  }
  saved.normalize_embeddings =
      detail::json_bool_or(config, "normalize_embeddings", options.normalize_embeddings, origin);
  if (config.contains("multi_target_strategy") && !config["multi_target_strategy"].is_null())
    saved.multi_target_strategy = detail::json_string(config, "multi_target_strategy", origin);
  const auto token_limit = detail::json_int_or(
      config, "static_token_limit", static_cast<std::int64_t>(options.static_token_limit), origin);
  if (token_limit < 1)
    throw Error(
        fmt::format("{}: 'static_token_limit' must be positive, got {}", origin, token_limit));
  saved.static_token_limit = static_cast<std::size_t>(token_limit);

  if (!fs::exists(head_file)) {
    if (fs::exists(dir / "model_head.pkl")) {
      log::warn("{}: model_head.pkl is ignored (a pickle runs code when loaded); the head is new",
                dir.string());
    }
    return std::make_shared<Model>(std::move(body), registry, saved);
  }
  if (!config.contains("head") || !config["head"].is_object())
    throw Error(
        fmt::format("{}: {} exists but the config has no 'head' object", origin, kHeadFile));
  const auto& head = config["head"];
  saved.head = detail::json_string(head, "plugin", origin);
  saved.head_params = params_from_json(head.value("params", nlohmann::json::object()), origin);
  if (saved.labels.empty()) throw Error(fmt::format("{}: a saved head needs its 'labels'", origin));
  auto model = std::make_shared<Model>(std::move(body), registry, saved);
  const std::string saved_version = detail::json_string_or(head, "version", "", origin);
  if (!saved_version.empty() && saved_version != model->head_version()) {
    log::warn("{}: the head was saved by plugin '{}' {}, loading it with {}", origin, saved.head,
              saved_version, model->head_version());
  }
  model->initialize_head(saved.labels);
  const auto file = SafetensorsFile::open(head_file);
  std::vector<std::pair<std::string, at::Tensor>> state;
  for (const auto& entry : file.entries())
    state.emplace_back(entry.name, file.load(entry.name, /*to_float32=*/false));
  try {
    model->head()->load_state(state);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", head_file.string(), e.what()));
  }
  return model;
}

void Model::initialize_head(const std::vector<std::string>& labels) {
  if (labels.empty()) throw Error("a model needs at least one label");
  impl_->options.labels = labels;
  const auto count = static_cast<std::int64_t>(labels.size());
  if (multi_label() && !impl_->head_differentiable) {
    const bool chain = impl_->options.multi_target_strategy == "classifier-chain";
    impl_->head = std::make_shared<detail::PerLabelHead>(
        [impl = impl_.get()] { return impl->create_plain_head(); }, chain);
  } else {
    impl_->head = impl_->create_plain_head();
  }
  impl_->head->initialize(impl_->body->dimension(), count);
  if (impl_->head_differentiable && !impl_->options.device.is_cpu())
    move_head(*impl_->head, impl_->options.device);
}

bool Model::head_ready() const {
  return impl_->head != nullptr;
}

bool Model::head_differentiable() const {
  return impl_->head_differentiable;
}

at::Tensor Model::encode(const std::vector<std::string>& texts, EncodeOptions options) const {
  options.normalize = options.normalize || impl_->options.normalize_embeddings;
  return impl_->body->encode(texts, options);
}

void Model::set_precision(Precision precision) {
  impl_->precision = precision;
}

Precision Model::precision() const {
  return impl_->precision;
}

at::Tensor Model::predict_proba(const std::vector<std::string>& texts) const {
  if (!impl_->head) throw Error("the model has no trained head yet: train it or load a saved one");
  torch::NoGradGuard no_grad;
  EncodeOptions options;
  options.precision = impl_->precision;
  auto embeddings = encode(texts, options);  // on the CPU
  if (impl_->head_differentiable && !impl_->options.device.is_cpu())
    embeddings = embeddings.to(detail::torch_device(impl_->options.device));
  return impl_->head->predict_proba(embeddings).to(torch::kCPU, torch::kFloat32);
}

std::vector<std::int64_t> Model::predict_indices(const std::vector<std::string>& texts) const {
  if (multi_label())
    throw Error("this model is multi-label: use predict_multi_label() instead of predict()");
  auto best = predict_proba(texts).argmax(1).contiguous();
  return {best.data_ptr<std::int64_t>(), best.data_ptr<std::int64_t>() + best.numel()};
}

std::vector<std::string> Model::predict(const std::vector<std::string>& texts) const {
  std::vector<std::string> out;
  for (auto index : predict_indices(texts))
    out.push_back(impl_->options.labels.at(static_cast<std::size_t>(index)));
  return out;
}

std::vector<std::vector<std::string>> Model::predict_multi_label(
    const std::vector<std::string>& texts) const {
  auto chosen = (predict_proba(texts) >= 0.5).contiguous();
  const auto rows = chosen.size(0);
  const auto cols = chosen.size(1);
  auto flags = chosen.accessor<bool, 2>();
  std::vector<std::vector<std::string>> out(static_cast<std::size_t>(rows));
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t k = 0; k < cols; ++k) {
      if (flags[i][k])
        out[static_cast<std::size_t>(i)].push_back(
            impl_->options.labels.at(static_cast<std::size_t>(k)));
    }
  }
  return out;
}

void Model::check_save_target(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      throw Error(
          fmt::format("{}: exists and is not a folder; the model is saved as a folder (a "
                      "new one, an empty one, or a model saved before)",
                      dir.string()));
    }
    if (!fs::is_empty(dir, ec) && !fs::exists(dir / kConfigFile, ec)) {
      throw Error(
          fmt::format("{}: the folder holds other files and no saved model ({}); name a "
                      "new or empty folder",
                      dir.string(), kConfigFile));
    }
    return;
  }
  // The folder will be created: its nearest existing ancestor must be a folder.
  if (const auto file = detail::file_in_the_way(dir); !file.empty())
    throw Error(fmt::format("{}: cannot create it: {} is a file", dir.string(), file.string()));
}

void Model::save_pretrained(const fs::path& dir) const {
  if (!impl_->head) throw Error("save_pretrained: the model has no trained head yet");
  impl_->body->save(dir);
  write_safetensors(dir / kHeadFile, impl_->head->state());
  nlohmann::json config = {
      {"labels", impl_->options.labels},
      {"normalize_embeddings", impl_->options.normalize_embeddings},
      {"multi_target_strategy", impl_->options.multi_target_strategy.empty()
                                    ? nlohmann::json(nullptr)
                                    : nlohmann::json(impl_->options.multi_target_strategy)},
      {"head",
       {{"plugin", impl_->options.head},
        {"version", impl_->head_version},
        {"params", to_json(impl_->head_params)}}},
      {"static_token_limit", impl_->options.static_token_limit},
      {"embedding_dimension", impl_->body->dimension()},
      {"saved_by", fmt::format("setfit-cpp {}", SETFIT_VERSION_STRING)}};
  detail::write_json_file(dir / kConfigFile, config);
}

std::shared_ptr<SentenceEncoder> Model::body() const {
  return impl_->body;
}
std::shared_ptr<Head> Model::head() const {
  return impl_->head;
}
const std::vector<std::string>& Model::labels() const {
  return impl_->options.labels;
}
bool Model::normalize_embeddings() const {
  return impl_->options.normalize_embeddings;
}
bool Model::multi_label() const {
  return !impl_->options.multi_target_strategy.empty();
}
const ModelOptions& Model::options() const {
  return impl_->options;
}
const ParamMap& Model::head_params() const {
  return impl_->head_params;
}
const std::string& Model::head_version() const {
  return impl_->head_version;
}

}  // namespace setfit
