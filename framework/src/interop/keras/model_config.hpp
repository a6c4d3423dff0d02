// Architectures, between Keras's `model_config` JSON and mlrun's layer list.
//
// Both directions go through model_spec, the architecture in mlrun's terms.
// Only the classes listed in supported_keras_classes() are translated; any
// other class (a Lambda layer, a custom class) is refused by name, since
// nothing in a model file may ever be run as code.
#pragma once

#include "interop/keras/json.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mlrun::interop::keras {

// One layer in mlrun's terms.
struct layer_spec {
    std::string class_name;           // mlrun's class: Dense, Dropout, ...
    std::string name;
    YAML::Node config;                // the class's own settings, without name
    std::vector<std::string> inputs;  // graph models: the layers it takes
};

// How a layer plugin's class appears in Keras files (plugin_layer_forms.hpp).
struct plugin_layer_form {
    struct key {
        std::string name;        // the plugin's
        std::string keras_name;  // in the Keras config
        std::string kind;        // number, integer, boolean or string
    };
    std::string class_name;  // mlrun's
    std::string keras_class;
    std::vector<key> keys;
};

struct model_spec {
    std::string name;                       // the Keras model's name, may be empty
    bool sequential = true;
    std::string input_name;                 // the input layer's name (graph models)
    std::vector<std::int64_t> input_shape;  // per sample
    std::vector<layer_spec> layers;         // in order, without the input
    // How the model's plugin layers appear in Keras files (keras_layer_forms metadata).
    std::vector<plugin_layer_form> plugin_forms;
};

// Reads a Keras model_config (Sequential in every Keras version's form, or a
// functional Model/Functional graph). format_error names `where`, the layer
// and the setting it cannot translate.
model_spec model_from_keras(const json& model_config, const std::string& where);
// The same, with the Keras forms of plugin layers the model may hold (kept in spec.plugin_forms).
model_spec model_from_keras(const json& model_config, const std::string& where,
                            const std::vector<plugin_layer_form>& plugin_forms);

// The same model with its activation names read as tf.keras 2.x, Keras 1
// and TensorFlow.js meant them: their hard_sigmoid is clip(0.2 x + 0.5, 0, 1),
// mlrun's hard_sigmoid_keras2 (Keras 3's hard_sigmoid is relu6(x + 3) / 6).
model_spec with_keras2_activations(model_spec spec);

// The layer list as an experiment file writes it (see framework/src/model/model_yaml.hpp):
// Sequential with input_shape on the first layer, or a graph starting with
// an Input and naming each layer's inputs.
std::string layers_yaml(const model_spec& spec);

// Reads the framework's layer list (the model_config metadata).
model_spec model_from_layers_yaml(const std::string& yaml, const std::string& where);

// The model_config tf.keras 2.x writes for this architecture
// (hard_sigmoid_keras2 as its hard_sigmoid). Refuses, naming the layer,
// Keras 3's hard_sigmoid, which tf.keras 2.x has no name for.
json keras_model_config(const model_spec& spec);

// Refuses, naming the layer, an activation the Keras generation writing the
// file has no name for: Keras 3's hard_sigmoid in tf.keras 2.x files
// (`keras3` false), Keras 2's in Keras 3 files.
void check_activations_have_keras_names(const model_spec& spec, bool keras3);

// The names Keras lists in `layer_names` (model.layers), the order in which
// Keras pairs a file's layers with a model's: every layer, and the
// InputLayer too for functional models, whose layers Keras orders by depth
// from the output (deepest first), then by a walk from the output, not as
// declared.
std::vector<std::string> keras_layer_names(const model_spec& spec);

// Keras's snake case of a class name, its automatic layer names' stem:
// "Dense" -> "dense", "ReLU" -> "re_lu", "Conv2D" -> "conv2d".
std::string snake_case_name(const std::string& class_name);

// "InputLayer, Dense, ..." for messages.
std::string supported_keras_classes();

}  // namespace mlrun::interop::keras
