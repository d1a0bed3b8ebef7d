#pragma once

#include <torch/torch.h>

namespace setfit::body {

// Modules whose values come from the weights file. LibTorch's initialisation (a random draw
// of every value) is skipped, since loading writes every parameter or fails naming the
// missing one: the draw, and the fresh pages it touches, were a large part of a model's load
// (for a MiniLM's 30,522 x 384 word table, and for GloVe's 400,000 x 100, most of it).

// An uninitialised float32 tensor whose pages the kernel provides only when written. The
// heap would fault in (and zero) a page for each block it grows by; a body loaded from the
// file's own pages (LoadOptions::map_weights) never writes these, and frees them untouched.
torch::Tensor empty_to_load(at::IntArrayRef sizes);

inline torch::nn::Embedding embedding_to_load(std::int64_t count, std::int64_t width) {
  return torch::nn::Embedding(
      torch::nn::EmbeddingOptions(count, width)._weight(empty_to_load({count, width})));
}

// torch::nn::Linear without its uniform draw (LinearImpl's constructor always makes it): the
// same parameters, "weight" [out, in] and "bias" [out], and the same forward.
class LinearToLoadImpl : public torch::nn::Module {
 public:
  LinearToLoadImpl(std::int64_t in_features, std::int64_t out_features)
      : weight(register_parameter("weight", empty_to_load({out_features, in_features}))),
        bias(register_parameter("bias", empty_to_load({out_features}))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::nn::functional::linear(x, weight, bias);
  }
  torch::Tensor weight, bias;
};
TORCH_MODULE(LinearToLoad);

}  // namespace setfit::body
