// The keys of the experiment's `callbacks` section. Each callback is an
// optional section: naming it (even as `early_stopping: {}`) switches it
// on with Keras's defaults. docs/callbacks.md explains every key.
#pragma once

#include "config/schema.hpp"

#include <vector>

namespace mlrun {

const std::vector<key_spec>& callback_keys();

}  // namespace mlrun
