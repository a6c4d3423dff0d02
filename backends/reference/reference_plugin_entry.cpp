// The exported entry of the reference backend when built as a plugin.
#include "reference_kernels.hpp"

#include "mlrun/plugin/plugin_author.hpp"

namespace {

const mlrun_plugin_descriptor* reference_entry(const mlrun_host_info* host)
{
    return mlrun::reference::descriptor(host);
}

}  // namespace

MLRUN_PLUGIN_EXPORT(reference_entry)
MLRUN_BACKEND_FACTS("reference", "1.0.0", "plain loops; the oracle and fallback for every kernel (single threaded)")
