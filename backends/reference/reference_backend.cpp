#include "reference_kernels.hpp"
#include "reference_internal.hpp"

#include "mlrun/plugin/plugin_author.hpp"

#include <string>

namespace mlrun::reference {
namespace {

// The reference backend keeps no state; one static object serves as handle.
struct backend_state {};
backend_state the_state;

thread_local std::string last_message;

mlrun_status create(const mlrun_option*, size_t, mlrun_backend** out)
{
    *out = reinterpret_cast<mlrun_backend*>(&the_state);
    return MLRUN_STATUS_OK;
}

void destroy(mlrun_backend*) {}

const char* last_error(mlrun_backend*) { return last_message.c_str(); }

// Every kernel runs on the calling thread.
int32_t threads(mlrun_backend*) { return 1; }

const mlrun_backend_table table = [] {
    mlrun_backend_table t{};
    t.struct_size = sizeof(mlrun_backend_table);
    t.create = create;
    t.destroy = destroy;
    t.last_error = last_error;
    t.threads = threads;
#define MLRUN_REFERENCE_KERNEL(name, parameters) t.name = name;
    MLRUN_BACKEND_KERNELS(MLRUN_REFERENCE_KERNEL)
#undef MLRUN_REFERENCE_KERNEL
    return t;
}();

const mlrun_plugin_descriptor the_descriptor = {
    sizeof(mlrun_plugin_descriptor),
    MLRUN_ABI_MAJOR,
    MLRUN_ABI_MINOR,
    MLRUN_PLUGIN_BACKEND,
    "reference",
    "1.0.0",
    "plain loops; the oracle and fallback for every kernel (single threaded)",
    &table,
};

}  // namespace

mlrun_status fail(mlrun_status status, const char* message)
{
    last_message = message;
    return status;
}

const mlrun_backend_table& kernel_table() { return table; }

const mlrun_plugin_descriptor* descriptor(const mlrun_host_info* host)
{
    return mlrun::plugin_author::descriptor_for(host, the_descriptor);
}

}  // namespace mlrun::reference
