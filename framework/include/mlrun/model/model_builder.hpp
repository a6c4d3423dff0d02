// Builds a model from the `model` section of an experiment.
//
// The section is a list of layers, each a mapping with one layer class as
// key and its configuration as value:
//
//     - Dense: {units: 512, activation: relu, input_shape: [784]}
//     - Dropout: {rate: 0.2}
//
// which is a Sequential model. Items may also carry `name:` and `inputs:`
// (names of earlier layers); once any item names inputs, or the first item
// is an Input, the list is a graph (Keras's functional model) whose output
// is the last item. An item without `inputs` takes the item before it.
// Nothing in a configuration ever names code: only the classes in the layer
// registry can be built.
#pragma once

#include "mlrun/model/model.hpp"

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>

namespace mlrun {

// `file` names the source in messages (with line:column). When a Sequential
// model gives no input_shape, `data_sample_shape` is used (as Keras infers
// it from the first batch); without it that is a config_error.
std::unique_ptr<model> build_model(const YAML::Node& section, const std::string& file,
                                   const std::optional<shape>& data_sample_shape);

}  // namespace mlrun
