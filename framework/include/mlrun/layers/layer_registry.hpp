// The layer classes mlrun can build, by Keras class name.
//
// Registration is an explicit table (layer_registry.cpp), not static
// initialisers: what exists is visible in one place and survives static
// linking.
#pragma once

#include "mlrun/config/key_spec.hpp"
#include "mlrun/layers/layer.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlrun {

struct layer_class {
    std::string name;  // Keras class name, e.g. "Dense"
    std::string doc;
    std::vector<key_spec> keys;  // the layer's settings as experiment files write them
    // Builds the layer from a spec of this class, with its name given;
    // throws config_error naming the layer for a setting out of range.
    std::function<std::unique_ptr<layer>(const layer_spec& spec)> create;
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

// Builds the layer `spec` describes (its class found as find_layer_class
// finds it, `where` naming it in messages). `spec.name` must be set.
std::unique_ptr<layer> make_layer(const layer_spec& spec, const std::string& where);

// Keras's rule for layer names (TensorFlow's op names): a letter, digit or
// '.', then letters, digits and "_.->"; never '/'. Throws config_error
// "WHERE: 'NAME' is not a layer name: ..." otherwise.
void check_layer_name(const std::string& name, const std::string& where);

// Keras's automatic name for the n-th unnamed layer of a class: "dense",
// "dense_1", ... (snake_case of the class name).
std::string default_layer_name(const std::string& class_name, int index);
std::string keras_snake_case(const std::string& class_name);

// Keras's automatic names in the order a model's layers are made: Inputs
// "input_1", "input_2", ...; any other class "dense", "dense_1", ...
class layer_namer {
public:
    std::string next(const std::string& class_name);

private:
    std::map<std::string, int> counts_;
};

}  // namespace mlrun
