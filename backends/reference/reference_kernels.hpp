// The reference backend: plain loops that define what every kernel means.
//
// It is the oracle the other backends are tested against and the fallback
// for every kernel they leave out, so it favours obviousness over speed and
// is linked into the framework as well as built as a plugin.
#pragma once

#include "mlrun/abi/mlrun_backend.h"

namespace mlrun::reference {

// The kernel table; create() ignores all options (the reference is single
// threaded by design, so its results never depend on a thread count).
const mlrun_backend_table& kernel_table();

// The descriptor the reference plugin (and the built-in copy) returns.
const mlrun_plugin_descriptor* descriptor(const mlrun_host_info* host);

}  // namespace mlrun::reference
