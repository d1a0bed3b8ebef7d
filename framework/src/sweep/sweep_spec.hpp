#pragma once

// The expansion's internals are in sweep_spec.cpp; its types and entry points are public
// (setfit/sweep.hpp). These names keep the older spelling for the expansion tests.

#include "setfit/sweep.hpp"

namespace setfit::detail {
using setfit::expand_sweep;
using setfit::ExpandedRun;
using setfit::ExpandedSweep;
using setfit::GridAssignment;
using setfit::render_toml_value;
using setfit::settings_label;
using setfit::SweepHeader;
}  // namespace setfit::detail
