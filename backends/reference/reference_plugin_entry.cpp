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
