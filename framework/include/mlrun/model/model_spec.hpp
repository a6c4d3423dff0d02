// A model's architecture as a value: its layers (each a layer_spec) and
// how they connect. Experiment files and model files encode it; the C++
// API (mlrun/keras.hpp) writes it directly.
//
// A Sequential model is a plain list: each layer takes the one before it,
// and the first takes `input_shape` (or the data's sample shape). A
// functional model (Keras's graph) starts with an Input layer, or names
// the inputs of some layer; a layer without `inputs` takes the one before
// it, and the last layer is the output.
#pragma once

#include "mlrun/layers/layer_spec.hpp"
#include "mlrun/model/model.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlrun {

struct model_layer {
    layer_spec layer;
    std::vector<std::string> inputs;  // names of earlier layers; empty: the layer before
    // Where it was defined ("exp.yaml:7:5"), prefixed to its errors; empty
    // for models written in code, whose errors name "model[i]".
    std::string origin;
};

struct model_spec {
    std::vector<model_layer> layers;
    // A Sequential model's per-sample input shape (Keras's input_shape on
    // the first layer); none: the data's.
    std::optional<std::vector<std::int64_t>> input_shape;
    std::string input_shape_origin;  // where input_shape was given, for messages
    // The policy of every layer that names none (Keras's
    // mixed_precision.set_global_policy; model.dtype_policy).
    dtype_policy policy = dtype_policy::float32;

    // Whether this is a graph (the first layer an Input, or inputs named).
    bool functional() const;
};

// Builds the model (not its parameters: call build()). Unnamed layers get
// Keras's names ("dense", "dense_1"; Inputs "input_1", ...). When a
// Sequential model has no input_shape, `data_sample_shape` is used; without
// it that is a config_error. Throws config_error naming the layer's origin
// for an unknown class, a bad setting, a duplicate name, an input that is
// not an earlier layer, or an Input anywhere but first.
std::unique_ptr<model> build_model(const model_spec& spec, const std::optional<shape>& data_sample_shape);

// The architecture of a model: build_model(spec_of(m)) builds the same
// model, layer names included. Each layer not float32 names its policy
// (as Keras records every layer's dtype); `policy` stays float32.
model_spec spec_of(const model& m);

}  // namespace mlrun
