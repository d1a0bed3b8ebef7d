#include "setfit/tokenizer.hpp"

namespace setfit {

// Out of line: anchors Tokenizer's vtable in libsetfit.
Tokenizer::~Tokenizer() = default;

}  // namespace setfit
