// What a layer is, as a value: its class's settings with Keras's names and
// defaults, and its name. Layers are built from these (layer_registry.hpp's
// make_layer) and report them back through layer::config(); experiment
// files and model files are one encoding of them.
//
//     dense_options hidden;
//     hidden.units = 512;
//     hidden.activation = "relu";
//     layer_spec spec{"hidden", hidden};
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mlrun {

// keras.Input: a model input of this per-sample shape.
struct input_options {
    std::vector<std::int64_t> shape;
};

// keras.layers.Dense: activation(input . kernel + bias).
struct dense_options {
    std::int64_t units = 0;  // required: at least 1
    std::string activation = "linear";
    bool use_bias = true;
    std::string kernel_initializer = "glorot_uniform";
    std::string bias_initializer = "zeros";
};

// keras.layers.Dropout: the fraction of inputs zeroed in training, in [0, 1).
struct dropout_options {
    float rate = 0.0f;
};

// keras.layers.Activation.
struct activation_options {
    std::string activation;  // required
};

// keras.layers.Flatten.
struct flatten_options {};

// keras.layers.Add: the sum of inputs of one shape.
struct add_options {};

// keras.layers.Concatenate, along the last axis (the only one supported).
struct concatenate_options {
    int axis = -1;
};

// keras.layers.BatchNormalization over the last axis.
struct batch_normalization_options {
    int axis = -1;
    float momentum = 0.99f;
    float epsilon = 0.001f;
    bool center = true;
    bool scale = true;
};

// A class from a layer plugin (abi/mlrun_layer.h): its settings as the
// plugin declares them, each value as text ("3", "true", "relu").
struct plugin_layer_options {
    std::string class_name;
    std::vector<std::pair<std::string, std::string>> settings;
};

using layer_options = std::variant<input_options, dense_options, dropout_options, activation_options, flatten_options,
                                   add_options, concatenate_options, batch_normalization_options, plugin_layer_options>;

struct layer_spec {
    std::string name;  // empty: Keras's automatic name when a model is built ("dense", "dense_1", ...)
    layer_options options;
};

// The class the options belong to, as experiment files name it: "Input",
// "Dense", ..., or the plugin's class name.
std::string class_name_of(const layer_options& options);

}  // namespace mlrun
