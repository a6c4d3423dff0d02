// The layer classes mlrun can build, by Keras class name.
//
// Registration is an explicit table (layer_registry.cpp), not static
// initialisers: what exists is visible in one place and survives static
// linking.
#pragma once

#include "mlrun/config/schema.hpp"
#include "mlrun/layers/layer.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mlrun {

struct layer_class {
    std::string name;  // Keras class name, e.g. "Dense"
    std::string doc;
    std::vector<key_spec> keys;  // the layer's own configuration keys
    // Builds the layer from a configuration already checked against `keys`.
    std::unique_ptr<layer> (*create)(const std::string& name, const YAML::Node& config);
};

const std::vector<layer_class>& layer_classes();

// Throws config_error naming the known classes (and the closest one).
const layer_class& find_layer_class(const std::string& class_name, const std::string& where);

// Keras's automatic name for the n-th unnamed layer of a class: "dense",
// "dense_1", ... (snake_case of the class name).
std::string default_layer_name(const std::string& class_name, int index);

}  // namespace mlrun
