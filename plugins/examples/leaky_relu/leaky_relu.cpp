// A layer plugin: LeakyRectifier, y = x for x > 0 and alpha * x otherwise
// (Keras's default alpha is 0.3). It has no parameters.
#include <mlrun/abi/mlrun_layer.h>
#include <mlrun/plugin/plugin_author.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

struct leaky_relu {
    float alpha = 0.3f;
    int64_t width = 0;  // elements per sample
    std::string error;
};

leaky_relu* self_of(mlrun_layer* l) { return reinterpret_cast<leaky_relu*>(l); }

const mlrun_layer_key keys[] = {
    {"alpha", "number", "0.3", "slope for negative inputs"},
};

mlrun_status create(const mlrun_option* config, size_t count, mlrun_layer** out, char* error, size_t error_size)
{
    auto* layer = new leaky_relu();
    for (size_t i = 0; i < count; ++i) {
        if (std::string(config[i].key) == "alpha") layer->alpha = std::strtof(config[i].value, nullptr);
    }
    if (!(layer->alpha >= 0.0f)) {
        std::snprintf(error, error_size, "alpha must be >= 0, found %g", static_cast<double>(layer->alpha));
        delete layer;
        return MLRUN_STATUS_INVALID_ARGUMENT;
    }
    *out = reinterpret_cast<mlrun_layer*>(layer);
    return MLRUN_STATUS_OK;
}

void destroy(mlrun_layer* l) { delete self_of(l); }

const char* last_error(mlrun_layer* l) { return self_of(l)->error.c_str(); }

// The output has the input's shape.
mlrun_status build(mlrun_layer* l, const int64_t* in_dims, int32_t in_rank, int64_t* out_dims, int32_t* out_rank)
{
    self_of(l)->width = 1;
    for (int32_t i = 0; i < in_rank; ++i) {
        out_dims[i] = in_dims[i];
        self_of(l)->width *= in_dims[i];
    }
    *out_rank = in_rank;
    return MLRUN_STATUS_OK;
}

int32_t parameter_count(mlrun_layer*) { return 0; }

mlrun_status parameter_info(mlrun_layer* l, int32_t, const char**, int64_t*, int32_t*, const char**)
{
    self_of(l)->error = "LeakyRectifier has no parameters";
    return MLRUN_STATUS_INVALID_ARGUMENT;
}

mlrun_status forward(mlrun_layer* l, int64_t batch, const float* x, float* y, const float* const*, int32_t)
{
    const float alpha = self_of(l)->alpha;
    const int64_t n = batch * self_of(l)->width;
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
    return MLRUN_STATUS_OK;
}

mlrun_status backward(mlrun_layer* l, int64_t batch, const float* x, const float*, const float* dy, float* dx,
                      const float* const*, float* const*)
{
    if (dx == nullptr) return MLRUN_STATUS_OK;
    const float alpha = self_of(l)->alpha;
    const int64_t n = batch * self_of(l)->width;
    for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : alpha * dy[i];
    return MLRUN_STATUS_OK;
}

const mlrun_layer_table table = {
    sizeof(mlrun_layer_table),
    "LeakyRectifier",
    "leaky rectifier: x if x > 0 else alpha * x",
    keys,
    sizeof keys / sizeof keys[0],
    create,
    destroy,
    last_error,
    build,
    parameter_count,
    parameter_info,
    forward,
    backward,
    "LeakyRectifier",  // its Keras form: saved in .h5 files under this class, alpha as is
    nullptr,
};

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor), MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR, MLRUN_PLUGIN_LAYER,
    "leaky_relu", "1.0.0", "example: the LeakyRectifier layer", &table,
};

const mlrun_plugin_descriptor* entry(const mlrun_host_info* host)
{
    return host != nullptr && host->abi_major == MLRUN_ABI_MAJOR ? &descriptor : nullptr;
}

}  // namespace

MLRUN_PLUGIN_EXPORT(entry)
MLRUN_LAYER_FACTS("leaky_relu", "1.0.0", "example: the LeakyRectifier layer", "LeakyRectifier")
