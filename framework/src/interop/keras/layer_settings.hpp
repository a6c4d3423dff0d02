// The pieces the Keras layer translations share (layers.cpp, conv_layers.cpp):
// reading and checking Keras settings, and writing them back.
#pragma once

#include "interop/keras/format_error.hpp"
#include "interop/keras/model_config.hpp"

#include <initializer_list>
#include <set>
#include <string>

namespace mlrun::interop::keras {

std::string keras_value_text(const json& value);
// Every setting not in `known` (nor common to all layers) must be off.
void check_rest(const json& config, const std::set<std::string>& known, const std::string& where);
// The first of `keys` present and not null.
const json* first_of(const json& config, std::initializer_list<const char*> keys);
std::int64_t positive_integer(const json& value, const std::string& what);
std::string string_value(const json& value, const std::string& what);
// A Keras initialiser as mlrun names it.
std::string initializer_name(const json& init, const std::string& what);
std::string activation_of(const json& config, const std::string& where);
// The activation's name as every Keras reads it: "swish" for SiLU (tf.keras
// 2.x and TensorFlow.js do not know "silu"; Keras 3 reads both), and
// hard_sigmoid for hard_sigmoid_keras2 (a tf.keras 2.x file's name for it;
// check_activations_have_keras_names keeps it out of Keras 3 files).
std::string keras_activation_name(const std::string& name, const std::string& where);
// The initialiser of a weight mlrun initialises one way only must be that one.
void check_initializer_is(const json& config, const char* key, const std::string& expected, const std::string& where);
json keras_initializer(const std::string& name, const std::string& what);

template <class T>
T setting(const YAML::Node& config, const char* key, const T& fallback, const std::string& where)
{
    const YAML::Node value = config[key];
    if (!value.IsDefined() || value.IsNull()) return fallback;
    try {
        return value.as<T>();
    } catch (const YAML::Exception&) {
        throw format_error(where + ": " + key + ": cannot read '" + (value.IsScalar() ? value.Scalar() : "a collection") +
                           "'");
    }
}

// conv_layers.cpp: the convolutional classes and LayerNormalization.
layer_spec layer_normalization_from_keras(const json& config, const std::string& where);
layer_spec conv1d_from_keras(const json& config, const std::string& where);
layer_spec conv2d_from_keras(const json& config, const std::string& where);
layer_spec depthwise_conv2d_from_keras(const json& config, const std::string& where);
layer_spec separable_conv2d_from_keras(const json& config, const std::string& where);
layer_spec conv2d_transpose_from_keras(const json& config, const std::string& where);
layer_spec max_pooling1d_from_keras(const json& config, const std::string& where);
layer_spec max_pooling2d_from_keras(const json& config, const std::string& where);
layer_spec average_pooling1d_from_keras(const json& config, const std::string& where);
layer_spec average_pooling2d_from_keras(const json& config, const std::string& where);
layer_spec global_max_pooling1d_from_keras(const json& config, const std::string& where);
layer_spec global_max_pooling2d_from_keras(const json& config, const std::string& where);
layer_spec global_average_pooling1d_from_keras(const json& config, const std::string& where);
layer_spec global_average_pooling2d_from_keras(const json& config, const std::string& where);

// Fills `c` with the tf.keras 2.x settings of a class of conv_layers.cpp;
// false for any other class.
bool convolutional_keras_config(const layer_spec& layer, json& c, const std::string& where);

// shape_layers.cpp: Reshape, Permute, ZeroPadding2D, Cropping2D,
// UpSampling2D, SpatialDropout2D, Embedding, ELU, ReLU, PReLU.
struct shaping_translation {
    const char* keras_name;
    layer_spec (*read)(const json& config, const std::string& where);
};
extern const shaping_translation shaping_translations[];
extern const std::size_t shaping_translation_count;
// As convolutional_keras_config, for the classes of shape_layers.cpp.
bool shaping_keras_config(const layer_spec& layer, json& c, const std::string& where);

}  // namespace mlrun::interop::keras
