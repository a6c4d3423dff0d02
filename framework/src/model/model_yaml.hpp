// The YAML encoding of a model_spec: the `model` section of an experiment
// file and the model_config metadata of model files.
//
// The section is a list of layers, each a mapping with one layer class as
// key and its settings as value:
//
//     - Dense: {units: 512, activation: relu, input_shape: [784]}
//     - Dropout: {rate: 0.2}
//
// which is a Sequential model. Items may also carry `name:` and `inputs:`
// (names of earlier layers); once any item names inputs, or the first item
// is an Input, the list is a graph (Keras's functional model) whose output
// is the last item. Nothing in a configuration ever names code: only the
// classes in the layer registry can be built.
#pragma once

#include "mlrun/model/model_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

namespace mlrun {

// Parses the section, checking each layer's settings against its class's
// keys (defaults filled in). Throws config_error "file:line:column: ..."
// (`file` names the source) for anything malformed or unknown.
model_spec parse_model_spec(const YAML::Node& section, const std::string& file);

// The layer list as an experiment file writes it: a Sequential model as a
// plain list with input_shape on its first layer, a graph with its Input
// and every layer's inputs. parse_model_spec reads it back.
YAML::Node encode_model_spec(const model_spec& spec);

// One layer's settings as a mapping, `name` first.
YAML::Node encode_layer_spec(const layer_spec& spec);

// parse_model_spec, then build_model (model_spec.hpp), with `policy` for
// the layers that name none (an experiment's model.dtype_policy).
std::unique_ptr<model> build_model(const YAML::Node& section, const std::string& file,
                                   const std::optional<shape>& data_sample_shape,
                                   dtype_policy policy = dtype_policy::float32);

}  // namespace mlrun
