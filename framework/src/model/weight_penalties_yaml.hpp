// The YAML encoding of a layer's regularizers and constraints:
//
//     - Dense: {units: 64, kernel_regularizer: {class: l2, l2: 0.001}, kernel_constraint: max_norm}
//
// A name alone takes Keras's defaults (l2: 0.01; max_norm: max_value 2, axis 0).
#pragma once

#include "mlrun/layers/layer_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace mlrun {

// From a layer configuration already checked against weight_regularization_keys().
// Throws config_error naming `path` for values out of range.
weight_regularization read_weight_regularization(const YAML::Node& config, const std::string& path);
// Adds the set ones to `config`.
void write_weight_regularization(const weight_regularization& w, YAML::Node& config);

}  // namespace mlrun
