/* The layer table: what a layer plugin implements.
 *
 * A layer plugin adds one layer class that experiment files, saved model
 * configurations and load_model can name like a built-in one. The layer
 * takes one input; shapes are per sample (no batch axis), tensors carry
 * the batch first, all float32, row-major, in host memory.
 *
 * Lifetime: create() makes an instance from its configuration, build() is
 * called once with the input shape, then forward()/backward() per batch,
 * then destroy(). The host owns every buffer it passes; the layer keeps no
 * pointer past a call. Parameters are declared by the layer and stored by
 * the host (so checkpoints save them like any other weight).
 *
 * The Keras form (keras_class_name, keras_config_keys) lets a model holding
 * the layer be saved as a Keras file (.h5) and loaded back: the file names
 * the layer by keras_class_name, and its config holds each key of `keys`
 * under its Keras name. A table whose struct_size ends before these fields
 * (a plugin built before they existed) has no Keras form.
 */
#ifndef MLRUN_ABI_MLRUN_LAYER_H
#define MLRUN_ABI_MLRUN_LAYER_H

#include "mlrun/abi/mlrun_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLRUN_LAYER_MAX_RANK 8

typedef struct mlrun_layer mlrun_layer; /* opaque, owned by the plugin */

/* One configuration key, checked by the host before create() is called. */
typedef struct mlrun_layer_key {
    const char* name;
    const char* kind;          /* "number", "integer", "boolean" or "string" */
    const char* default_value; /* YAML text, or NULL when the key is required */
    const char* doc;
} mlrun_layer_key;

typedef struct mlrun_layer_table {
    uint32_t struct_size;

    const char* class_name; /* as configurations name it, e.g. "LeakyRectifier" */
    const char* doc;        /* one line */
    const mlrun_layer_key* keys;
    size_t key_count;

    /* `config` holds every key of `keys` (defaults filled in) as text. */
    mlrun_status (*create)(const mlrun_option* config, size_t config_count, mlrun_layer** out, char* error,
                           size_t error_size);
    void (*destroy)(mlrun_layer* self);
    const char* (*last_error)(mlrun_layer* self);

    /* Given the input's per-sample shape, writes the output's (at most
     * MLRUN_LAYER_MAX_RANK dims) and fixes the parameters. */
    mlrun_status (*build)(mlrun_layer* self, const int64_t* in_dims, int32_t in_rank, int64_t* out_dims,
                          int32_t* out_rank);

    /* Parameters after build(): count, then each one's name ("alpha"),
     * shape and initialiser name (one of the framework's, e.g. "zeros"). */
    int32_t (*parameter_count)(mlrun_layer* self);
    mlrun_status (*parameter_info)(mlrun_layer* self, int32_t index, const char** name, int64_t* dims,
                                   int32_t* rank, const char** initializer);

    /* y = f(x) for `batch` samples; params[i] is parameter i. training is
     * non-zero during fit. */
    mlrun_status (*forward)(mlrun_layer* self, int64_t batch, const float* x, float* y,
                            const float* const* params, int32_t training);

    /* From dy, writes dx (unless NULL: nobody needs it) and overwrites each
     * parameter gradient grads[i]. */
    mlrun_status (*backward)(mlrun_layer* self, int64_t batch, const float* x, const float* y, const float* dy,
                             float* dx, const float* const* params, float* const* grads);

    /* The class_name Keras files give the layer; NULL: no Keras form, the
     * model cannot be saved as a Keras file. It must differ from every
     * Keras class mlrun translates itself (Dense, LeakyReLU, ...). */
    const char* keras_class_name;
    /* The Keras config key of each of `keys`, in their order (key_count
     * entries); NULL: the same names as `keys`. */
    const char* const* keras_config_keys;
} mlrun_layer_table;

#ifdef __cplusplus
}
#endif

#endif
