#pragma once

#include <torch/optim/adamw.h>

#include "setfit/export.hpp"

namespace setfit::detail {

// One step of `optimizer` with torch::optim::AdamW's arithmetic (decoupled weight decay,
// bias-corrected moments, eps added after the square root), made in one pass over each
// parameter, in place. LibTorch's own step makes eight passes and two temporaries the size
// of the parameter, for every parameter at every step: for a transformer's word-embedding
// table, blocks of 47 MB. It works on the optimizer's own state, so learning-rate changes,
// groups, checkpoints and a later LibTorch step see the same moments and step counts.
// Parameters that are not contiguous float32 CPU tensors (a GPU, amsgrad) take LibTorch's
// step instead; the results agree to float rounding (tested).
SETFIT_API void fused_adamw_step(torch::optim::AdamW& optimizer);

}  // namespace setfit::detail
