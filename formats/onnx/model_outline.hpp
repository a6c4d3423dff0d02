// The architecture an export starts from: the framework's layer list (the
// model_config metadata, an experiment's `model:` YAML) read into layers
// with their names, settings and inputs.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mlrun::onnx_format {

struct layer_entry {
    std::string class_name;           // mlrun's class: Dense, Dropout, ...
    std::string name;                 // the layer's name, which also names its ONNX output
    YAML::Node config;                // the class's settings, name and input_shape removed
    std::vector<std::string> inputs;  // the layers it takes, in order
};

struct model_outline {
    std::string input_name;                 // the model input: the Input layer's name, or "input"
    std::vector<std::int64_t> input_shape;  // per sample
    std::vector<layer_entry> layers;        // in order, the input excluded; the last is the output
};

// Reads a layer list as capture_state writes it: a Sequential model as a
// plain list with input_shape on the first layer, a graph starting with an
// Input and naming every layer's inputs. format_error names `where`.
model_outline read_model_outline(const std::string& layers_yaml, const std::string& where);

}  // namespace mlrun::onnx_format
