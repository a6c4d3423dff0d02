// The layer classes mlrun can build, by Keras class name.
//
// Registration is an explicit table (layer_registry.cpp), not static
// initialisers: what exists is visible in one place and survives static
// linking.
#pragma once

#include "mlrun/config/schema.hpp"
#include "mlrun/layers/layer.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mlrun {

struct layer_class {
    std::string name;  // Keras class name, e.g. "Dense"
    std::string doc;
    std::vector<key_spec> keys;  // the layer's own configuration keys
    // Builds the layer from a configuration already checked against `keys`.
    std::function<std::unique_ptr<layer>(const std::string& name, const YAML::Node& config)> create;
    std::string provider = "built-in";  // or the path of the layer plugin
};

// The built-in classes, then those added by register_layer_plugins().
const std::vector<layer_class>& layer_classes();

class plugin_registry;

// Adds the class of every layer plugin in `registry` (once per plugin
// file), by the name its facts record gives; the plugin is loaded when a
// model names the class. A plugin whose class name is already taken throws
// plugin_error naming the file.
void register_layer_plugins(const plugin_registry& registry);

// Loads the class's layer plugin if it is one (plugin_error naming the file
// when that fails, or when its keys are malformed). Throws config_error
// naming the known classes (and the closest one), and saying that a class
// from a layer plugin needs that plugin on the path.
const layer_class& find_layer_class(const std::string& class_name, const std::string& where);

// Keras's automatic name for the n-th unnamed layer of a class: "dense",
// "dense_1", ... (snake_case of the class name).
std::string default_layer_name(const std::string& class_name, int index);
std::string keras_snake_case(const std::string& class_name);

}  // namespace mlrun
