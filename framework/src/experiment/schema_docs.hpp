// The reference of every experiment key, layer, optimizer and loss, made
// from the same tables that validate experiments, so it cannot drift.
// configs/README.md is this text (a test checks it is up to date).
#pragma once

#include <string>

namespace mlrun {

std::string experiment_reference_markdown();

}  // namespace mlrun
