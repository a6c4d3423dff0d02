// What the TensorFlow names need from an mlrun checkpoint's metadata: the
// layer list and the optimizer's class and settings.
#pragma once

#include "keras_names.hpp"

#include <string>

namespace mlrun::tf {

// Reads the `model_config` (the experiment's layer list as YAML) and
// `optimizer_config` ({name: Adam, config: {...}}) metadata values; either
// may be empty. A Sequential model's input layer does not count as a layer
// (as in tf.keras 2.4+); a graph model's input layers do. Throws
// std::runtime_error when a value is not the YAML it should be.
model_outline read_model_outline(const std::string& model_config, const std::string& optimizer_config);

}  // namespace mlrun::tf
