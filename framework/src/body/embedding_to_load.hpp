#pragma once

#include <torch/torch.h>

namespace setfit::body {

// An embedding table whose values come from the weights file: LibTorch's initialisation (a
// normal draw of every value) is skipped, since loading writes every parameter or fails
// naming the missing one. For a MiniLM's 30,522 x 384 word table that draw, and the pages it
// touches, were a large part of a model's load; for GloVe's 400,000 x 100, most of it.
inline torch::nn::Embedding embedding_to_load(std::int64_t count, std::int64_t width) {
  return torch::nn::Embedding(
      torch::nn::EmbeddingOptions(count, width)._weight(torch::empty({count, width})));
}

}  // namespace setfit::body
