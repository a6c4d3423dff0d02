// The Keras forms of layer plugins' classes (abi/mlrun_layer.h): how a
// plugin layer is named and configured in a Keras model_config, so that a
// model holding one saves to a Keras file and loads back. The host lists
// the forms of a model's plugin layers in the keras_layer_forms metadata;
// a Keras file mlrun writes keeps that list, so reading it back needs no
// plugin. Only plain keys (numbers, integers, booleans, strings) translate:
// nothing here runs code, and a form names a class the layer registry must
// still provide when the model is built.
#pragma once

#include "interop/keras/json.hpp"
#include "interop/keras/model_config.hpp"

#include <string>
#include <vector>

namespace mlrun::interop::keras {

// The keras_layer_forms metadata, read and written. format_error names `where`.
std::vector<plugin_layer_form> parse_plugin_layer_forms(const std::string& yaml, const std::string& where);
std::string plugin_layer_forms_yaml(const std::vector<plugin_layer_form>& forms);

// The form for mlrun's class / a Keras class; nullptr when none has it.
const plugin_layer_form* form_of_class(const std::vector<plugin_layer_form>& forms, const std::string& class_name);
const plugin_layer_form* form_of_keras_class(const std::vector<plugin_layer_form>& forms, const std::string& keras_class);

// The Keras config of `layer` in its plugin's form: name, trainable, dtype
// (and batch_input_shape when given), then each key under its Keras name.
json plugin_keras_config(const plugin_layer_form& form, const layer_spec& layer,
                         const std::vector<std::int64_t>* batch_input_shape, const std::string& where);

// The layer a Keras config of the form's class describes. Refuses, naming
// the key, a key the form does not list or a value of the wrong kind.
layer_spec plugin_layer_from_keras(const plugin_layer_form& form, const json& config, const std::string& where);

}  // namespace mlrun::interop::keras
