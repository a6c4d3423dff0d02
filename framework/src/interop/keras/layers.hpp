// One layer's settings, between a Keras layer config and mlrun's layer
// configuration. Used by model_config.cpp.
#pragma once

#include "interop/keras/model_config.hpp"

#include <string>
#include <vector>

namespace mlrun::interop::keras {

// Translates a Keras layer (not InputLayer) of class `keras_class` with
// `config`. Refuses, naming the setting, anything mlrun would compute
// differently (regularizers and constraints it does not have, other dtypes).
layer_spec layer_from_keras(const std::string& keras_class, const json& config, const std::string& where);

// The Keras config of `layer` as tf.keras 2.x writes it; with
// `batch_input_shape` (first layer of a Sequential model) it carries that too.
json keras_layer_config(const layer_spec& layer, const std::vector<std::int64_t>* batch_input_shape,
                        const std::string& where);

// An InputLayer's config for a per-sample `shape`.
json keras_input_config(const std::string& name, const std::vector<std::int64_t>& shape);

// The per-sample shape in an InputLayer's or first layer's config
// (batch_input_shape, batch_shape, input_shape or Keras 1's input_dim);
// empty when there is none.
std::vector<std::int64_t> input_shape_of(const json& config, const std::string& where);

bool is_translated_class(const std::string& keras_class);
std::vector<std::string> translated_classes();

// A Keras layer config's dtype policy name ("float32" when absent); a
// format_error for a policy mlrun does not compute in.
std::string keras_policy_name(const json& config, const std::string& where);
// The policy as a layer config's dtype: Keras 3's DTypePolicy object, or
// tf.keras 2's name (float32) or Policy object.
json keras_policy(const std::string& name, bool keras3);

}  // namespace mlrun::interop::keras
