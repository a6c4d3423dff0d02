// The YAML encoding of a layer's regularizers and constraints:
//
//     - Dense: {units: 64, kernel_regularizer: {class: l2, l2: 0.001}, kernel_constraint: max_norm}
//
// A name alone takes Keras's defaults (l2: 0.01; max_norm: max_value 2, axis 0).
#pragma once

#include "mlrun/layers/penalized_weights.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace mlrun {

// Fills the fields `view` points to from a layer configuration already
// checked against weight_penalty_keys(). Throws config_error naming `path`
// for values out of range.
void read_weight_penalties(const YAML::Node& config, const std::string& path, const weight_penalties_view& view);
// Adds the set ones to `config`.
void write_weight_penalties(const weight_penalties_view& view, YAML::Node& config);

}  // namespace mlrun
