// A backend for the distributed tests only: the reference kernels, except
// that on the rank mpirun numbers 1 (OMPI_COMM_WORLD_RANK) every SGD update
// moves the weights a little further. The ranks then step apart from the
// same averaged gradient, as two hosts with different builds of a plugin
// would, and the run's weight check must find it. Never installed.
#include "reference_kernels.hpp"

#include "mlrun/plugin/plugin_author.hpp"

#include <cstdlib>
#include <cstring>

namespace {

bool skewed_rank()
{
    const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
    return rank != nullptr && std::strcmp(rank, "1") == 0;
}

mlrun_status skewed_sgd_update(mlrun_backend* self, int64_t n, float lr, float momentum, int32_t nesterov, float* w,
                               const float* g, float* velocity)
{
    static const bool skewed = skewed_rank();
    // A tenth more learning rate: far beyond any rounding.
    return mlrun::reference::kernel_table().sgd_update(self, n, skewed ? lr * 1.1f : lr, momentum, nesterov, w, g,
                                                       velocity);
}

const mlrun_backend_table table = [] {
    mlrun_backend_table t = mlrun::reference::kernel_table();
    t.sgd_update = skewed_sgd_update;
    return t;
}();

const mlrun_plugin_descriptor the_descriptor = {
    sizeof(mlrun_plugin_descriptor),
    MLRUN_ABI_MAJOR,
    MLRUN_ABI_MINOR,
    MLRUN_PLUGIN_BACKEND,
    "rank_skewed",
    "1.0.0",
    "the reference kernels; SGD steps further on rank 1 (distributed tests only)",
    &table,
};

const mlrun_plugin_descriptor* rank_skewed_entry(const mlrun_host_info* host)
{
    return mlrun::plugin_author::descriptor_for(host, the_descriptor);
}

}  // namespace

MLRUN_PLUGIN_EXPORT(rank_skewed_entry)
MLRUN_BACKEND_FACTS("rank_skewed", "1.0.0", "the reference kernels; SGD steps further on rank 1 (distributed tests only)")
