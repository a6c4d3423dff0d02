#include "interop/keras/layers.hpp"

#include "interop/keras/format_error.hpp"
#include "layer_settings.hpp"
#include "interop/keras/weight_penalties.hpp"

#include <cmath>
#include <set>

namespace mlrun::interop::keras {

// ---- reading Keras configs

// Settings every Keras layer config may carry that change nothing mlrun
// computes (or that the model structure handles: shapes, names).
const std::set<std::string> common_keys = {"name",         "trainable",  "dtype",       "batch_input_shape",
                                           "batch_shape",  "input_shape", "input_dim",  "input_dtype",
                                           "batch_size",   "sparse",      "ragged"};

std::string keras_value_text(const json& value) { return json_excerpt(value); }

// Values that mean "the feature is off": absent settings are the same.
bool is_off(const json& value)
{
    return value.is_null() || (value.is_boolean() && !value.get<bool>()) ||
           ((value.is_array() || value.is_object()) && value.empty());
}

void check_common(const json& config, const std::string& where)
{
    if (const json* trainable = member(config, "trainable"); trainable != nullptr && !trainable->is_boolean()) {
        throw format_error(where + ": trainable is " + keras_value_text(*trainable) + "; expected true or false");
    }
    keras_policy_name(config, where);
}

std::string keras_policy_name(const json& config, const std::string& where)
{
    const json* dtype = member(config, "dtype");
    if (dtype == nullptr || dtype->is_null()) return "float32";
    // "float32"; tf.keras 2's {"class_name": "Policy", "config": {"name": "mixed_bfloat16"}}; Keras 3's
    // {"module": "keras", "class_name": "DTypePolicy", "config": {"name": ...}}.
    std::string name;
    if (dtype->is_string()) {
        name = dtype->get<std::string>();
    } else if (const json* inner = member(*dtype, "config")) {
        if (const json* n = member(*inner, "name"); n != nullptr && n->is_string()) name = n->get<std::string>();
    }
    if (name != "float32" && name != "mixed_bfloat16") {
        throw format_error(where + ": dtype " + keras_value_text(*dtype) +
                           "; mlrun computes in float32 or mixed_bfloat16 only");
    }
    return name;
}

json keras_policy(const std::string& name, bool keras3)
{
    const json config = {{"name", name}};
    if (keras3) return {{"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", config}, {"registered_name", nullptr}};
    // tf.keras 2 writes a float policy as its name, any other as a Policy object.
    if (name == "float32") return name;
    return {{"class_name", "Policy"}, {"config", config}};
}

// Every setting not in `known` must be off, so nothing is silently dropped.
void check_rest(const json& config, const std::set<std::string>& known, const std::string& where)
{
    for (auto it = config.begin(); it != config.end(); ++it) {
        if (common_keys.count(it.key()) != 0 || known.count(it.key()) != 0) continue;
        if (!is_off(it.value())) {
            throw format_error(where + ": setting '" + it.key() + "' = " + keras_value_text(it.value()) +
                               " is not supported by mlrun");
        }
    }
}

const json* first_of(const json& config, std::initializer_list<const char*> keys)
{
    for (const char* key : keys) {
        if (const json* value = member(config, key); value != nullptr && !value->is_null()) return value;
    }
    return nullptr;
}

std::int64_t positive_integer(const json& value, const std::string& what)
{
    if (!value.is_number_integer() || value.get<std::int64_t>() < 1) {
        throw format_error(what + ": expected a positive integer, found " + keras_value_text(value));
    }
    return value.get<std::int64_t>();
}

std::string string_value(const json& value, const std::string& what)
{
    if (!value.is_string()) throw format_error(what + ": expected a name, found " + keras_value_text(value));
    return value.get<std::string>();
}

// Keras's VarianceScaling(scale, mode, distribution) under the names of
// the initialisers it stands for.
std::string variance_scaling_name(const json& config, const std::string& what)
{
    const json* scale = member(config, "scale");
    const json* mode = member(config, "mode");
    const json* distribution = member(config, "distribution");
    const double s = scale != nullptr && scale->is_number() ? scale->get<double>() : 1.0;
    const std::string m = mode != nullptr && mode->is_string() ? mode->get<std::string>() : "fan_in";
    std::string d = distribution != nullptr && distribution->is_string() ? distribution->get<std::string>() : "truncated_normal";
    if (d == "normal") d = "truncated_normal";  // Keras 2.0's name for the same draw
    struct named {
        double scale;
        const char* mode;
        const char* distribution;
        const char* name;
    };
    static const named table[] = {
        {1.0, "fan_avg", "uniform", "glorot_uniform"}, {1.0, "fan_avg", "truncated_normal", "glorot_normal"},
        {2.0, "fan_in", "uniform", "he_uniform"},      {2.0, "fan_in", "truncated_normal", "he_normal"},
        {1.0, "fan_in", "uniform", "lecun_uniform"},   {1.0, "fan_in", "truncated_normal", "lecun_normal"},
    };
    for (const named& n : table) {
        if (n.scale == s && m == n.mode && d == n.distribution) return n.name;
    }
    throw format_error(what + ": VarianceScaling " + keras_value_text(config) +
                       " matches none of glorot/he/lecun uniform/normal, the initialisers mlrun has");
}

bool close_to(const json* value, double expected)
{
    return value != nullptr && value->is_number() && std::abs(value->get<double>() - expected) < 1e-9;
}

// A Keras initialiser (a class with its config, or Keras 1's plain name)
// as mlrun names it.
std::string initializer_name(const json& init, const std::string& what)
{
    static const std::set<std::string> plain = {"glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                                "lecun_uniform",  "lecun_normal",  "zeros",      "ones"};
    if (init.is_string()) {
        const std::string name = init.get<std::string>();
        if (plain.count(name) != 0) return name;
        if (name == "zero") return "zeros";
        if (name == "one") return "ones";
        if (name == "uniform") return "random_uniform";  // Keras 1: U(-0.05, 0.05)
        if (name == "normal") return "random_normal";    // Keras 1: N(0, 0.05)
        throw format_error(what + ": initializer '" + name + "' is not one mlrun has");
    }
    const json* class_name = member(init, "class_name");
    if (class_name == nullptr || !class_name->is_string()) {
        throw format_error(what + ": expected an initializer, found " + keras_value_text(init));
    }
    const std::string cls = class_name->get<std::string>();
    const json* config = member(init, "config");
    const json empty = json::object();
    const json& c = config != nullptr ? *config : empty;
    static const std::pair<const char*, const char*> classes[] = {
        {"GlorotUniform", "glorot_uniform"}, {"GlorotNormal", "glorot_normal"}, {"HeUniform", "he_uniform"},
        {"HeNormal", "he_normal"},           {"LecunUniform", "lecun_uniform"}, {"LecunNormal", "lecun_normal"},
        {"Zeros", "zeros"},                  {"Ones", "ones"},
    };
    for (const auto& [keras_name, mlrun_name] : classes) {
        if (cls == keras_name) return mlrun_name;
    }
    if (cls == "VarianceScaling") return variance_scaling_name(c, what);
    if (cls == "RandomUniform" && close_to(member(c, "minval"), -0.05) && close_to(member(c, "maxval"), 0.05)) {
        return "random_uniform";
    }
    if (cls == "RandomNormal" && close_to(member(c, "mean"), 0.0) && close_to(member(c, "stddev"), 0.05)) {
        return "random_normal";
    }
    throw format_error(what + ": initializer " + keras_value_text(init) + " is not one mlrun has");
}

// Regularizers change the loss; an L1L2 of zeros is the same as none.
std::string activation_of(const json& config, const std::string& where)
{
    const json* activation = member(config, "activation");
    if (activation == nullptr || activation->is_null()) return "linear";
    const std::string name = string_value(*activation, where + ": activation");
    // TensorFlow.js names GELU's tanh approximation "gelu_new".
    return name == "gelu_new" ? "gelu_tanh" : name;
}

std::string keras_activation_name(const std::string& name, const std::string& where)
{
    if (name == "silu") return "swish";
    if (name == "hard_sigmoid_keras2") return "hard_sigmoid";
    if (name == "gelu_tanh") {
        throw format_error(where + ": activation gelu_tanh has no Keras name (Keras saves gelu(approximate=True) "
                                   "as plain gelu, which reads back as the exact form); use gelu");
    }
    return name;
}

// Keras's initialiser of a BatchNormalization weight must be the one mlrun
// uses (it has no setting for it).
void check_initializer_is(const json& config, const char* key, const std::string& expected, const std::string& where)
{
    const json* init = member(config, key);
    if (init == nullptr || init->is_null()) return;
    const std::string name = initializer_name(*init, where + ": " + key);
    if (name != expected) {
        throw format_error(where + ": " + key + " " + keras_value_text(*init) + "; mlrun initialises it with " + expected);
    }
}

namespace {

layer_spec dense_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "Dense";
    const json* units = first_of(config, {"units", "output_dim"});
    if (units == nullptr) throw format_error(where + ": missing 'units'");
    layer.config["units"] = positive_integer(*units, where + ": units");
    layer.config["activation"] = activation_of(config, where);
    const json* bias = first_of(config, {"use_bias", "bias"});
    if (bias != nullptr && !bias->is_boolean()) throw format_error(where + ": use_bias: expected true or false");
    layer.config["use_bias"] = bias == nullptr || bias->get<bool>();
    const json* kernel_init = first_of(config, {"kernel_initializer", "init"});
    layer.config["kernel_initializer"] =
        kernel_init != nullptr ? initializer_name(*kernel_init, where + ": kernel_initializer") : "glorot_uniform";
    const json* bias_init = member(config, "bias_initializer");
    layer.config["bias_initializer"] = bias_init != nullptr && !bias_init->is_null()
                                           ? initializer_name(*bias_init, where + ": bias_initializer")
                                           : "zeros";
    read_weight_penalties(config, {"kernel", "bias"}, true, where, layer.config);
    check_rest(config,
               {"units", "output_dim", "activation", "use_bias", "bias", "kernel_initializer", "init",
                "bias_initializer", "kernel_regularizer", "W_regularizer", "bias_regularizer", "b_regularizer",
                "activity_regularizer", "kernel_constraint", "W_constraint", "bias_constraint", "b_constraint"},
               where);
    return layer;
}

layer_spec dropout_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "Dropout";
    const json* rate = first_of(config, {"rate", "p"});
    if (rate == nullptr || !rate->is_number()) throw format_error(where + ": missing a numeric 'rate'");
    layer.config["rate"] = scalar_text(*rate);
    if (const json* noise = member(config, "noise_shape"); noise != nullptr && !noise->is_null()) {
        throw format_error(where + ": noise_shape " + keras_value_text(*noise) + " is not supported by mlrun");
    }
    // `seed` only chooses Keras's own random stream; mlrun derives dropout
    // masks from the experiment seed and the step, so it has no meaning here.
    check_rest(config, {"rate", "p", "noise_shape", "seed"}, where);
    return layer;
}

layer_spec activation_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "Activation";
    layer.config["activation"] = activation_of(config, where);
    check_rest(config, {"activation"}, where);
    return layer;
}

layer_spec flatten_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "Flatten";
    if (const json* format = member(config, "data_format");
        format != nullptr && !format->is_null() && *format != "channels_last") {
        throw format_error(where + ": data_format " + keras_value_text(*format) +
                           "; mlrun flattens channels_last data only");
    }
    check_rest(config, {"data_format"}, where);
    return layer;
}

layer_spec add_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "Add";
    layer.config = YAML::Node(YAML::NodeType::Map);
    check_rest(config, {}, where);
    return layer;
}

layer_spec concatenate_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "Concatenate";
    const json* axis = member(config, "axis");
    layer.config["axis"] = axis != nullptr && axis->is_number_integer() ? axis->get<std::int64_t>() : -1;
    check_rest(config, {"axis"}, where);
    return layer;
}

layer_spec batch_normalization_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "BatchNormalization";
    // -1, or the last axis counted with the batch axis ([1] for flat inputs once built).
    std::int64_t axis = -1;
    if (const json* a = member(config, "axis"); a != nullptr && !a->is_null()) {
        const json& single = a->is_array() && a->size() == 1 ? (*a)[0] : *a;
        if (!single.is_number_integer()) {
            throw format_error(where + ": axis " + keras_value_text(*a) + "; mlrun normalises one axis, the last");
        }
        axis = single.get<std::int64_t>();
    }
    layer.config["axis"] = axis;
    for (const char* key : {"momentum", "epsilon"}) {
        if (const json* v = member(config, key); v != nullptr && !v->is_null()) {
            if (!v->is_number()) throw format_error(where + ": " + key + ": expected a number, found " + keras_value_text(*v));
            layer.config[key] = scalar_text(*v);
        }
    }
    for (const char* key : {"center", "scale"}) {
        if (const json* v = member(config, key); v != nullptr && !v->is_null()) {
            if (!v->is_boolean()) throw format_error(where + ": " + key + ": expected true or false");
            layer.config[key] = v->get<bool>();
        }
    }
    check_initializer_is(config, "beta_initializer", "zeros", where);
    check_initializer_is(config, "gamma_initializer", "ones", where);
    check_initializer_is(config, "moving_mean_initializer", "zeros", where);
    check_initializer_is(config, "moving_variance_initializer", "ones", where);
    read_weight_penalties(config, {"beta", "gamma"}, false, where, layer.config);
    // renorm_momentum only matters with renorm (checked off); fused picks an implementation.
    check_rest(config,
               {"axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
                "beta_constraint", "gamma_constraint", "renorm_momentum", "fused"},
               where);
    return layer;
}

struct translated_class {
    const char* keras_name;
    layer_spec (*read)(const json& config, const std::string& where);
};

const translated_class translations[] = {
    {"Dense", dense_from_keras},     {"Dropout", dropout_from_keras}, {"Activation", activation_from_keras},
    {"Flatten", flatten_from_keras}, {"Add", add_from_keras},         {"Concatenate", concatenate_from_keras},
    {"BatchNormalization", batch_normalization_from_keras},
    {"LayerNormalization", layer_normalization_from_keras},
    {"Conv1D", conv1d_from_keras},
    {"Conv2D", conv2d_from_keras},
    {"DepthwiseConv2D", depthwise_conv2d_from_keras},
    {"SeparableConv2D", separable_conv2d_from_keras},
    {"Conv2DTranspose", conv2d_transpose_from_keras},
    {"MaxPooling1D", max_pooling1d_from_keras},
    {"MaxPooling2D", max_pooling2d_from_keras},
    {"AveragePooling1D", average_pooling1d_from_keras},
    {"AveragePooling2D", average_pooling2d_from_keras},
    {"GlobalMaxPooling1D", global_max_pooling1d_from_keras},
    {"GlobalMaxPooling2D", global_max_pooling2d_from_keras},
    {"GlobalAveragePooling1D", global_average_pooling1d_from_keras},
    {"GlobalAveragePooling2D", global_average_pooling2d_from_keras},
};

}  // namespace

// ---- writing Keras configs

json keras_initializer(const std::string& name, const std::string& what)
{
    static const std::pair<const char*, const char*> classes[] = {
        {"glorot_uniform", "GlorotUniform"}, {"glorot_normal", "GlorotNormal"}, {"he_uniform", "HeUniform"},
        {"he_normal", "HeNormal"},           {"lecun_uniform", "LecunUniform"}, {"lecun_normal", "LecunNormal"},
    };
    for (const auto& [mlrun_name, keras_name] : classes) {
        if (name == mlrun_name) return {{"class_name", keras_name}, {"config", {{"seed", nullptr}}}};
    }
    if (name == "zeros") return {{"class_name", "Zeros"}, {"config", json::object()}};
    if (name == "ones") return {{"class_name", "Ones"}, {"config", json::object()}};
    if (name == "random_uniform") {
        return {{"class_name", "RandomUniform"}, {"config", {{"minval", -0.05}, {"maxval", 0.05}, {"seed", nullptr}}}};
    }
    if (name == "random_normal") {
        return {{"class_name", "RandomNormal"}, {"config", {{"mean", 0.0}, {"stddev", 0.05}, {"seed", nullptr}}}};
    }
    throw format_error(what + ": initializer '" + name + "' has no Keras equivalent");
}

namespace {

json shape_json(const std::vector<std::int64_t>& shape)
{
    json list = json::array({nullptr});
    for (std::int64_t d : shape) list.push_back(d);
    return list;
}

}  // namespace

std::vector<std::int64_t> input_shape_of(const json& config, const std::string& where)
{
    const json* batch_shape = first_of(config, {"batch_input_shape", "batch_shape"});
    std::vector<std::int64_t> dims;
    if (batch_shape != nullptr) {
        if (!batch_shape->is_array() || batch_shape->size() < 2) {
            throw format_error(where + ": batch input shape " + keras_value_text(*batch_shape) +
                               " is not [batch, dims...]");
        }
        for (std::size_t i = 1; i < batch_shape->size(); ++i) {
            dims.push_back(positive_integer((*batch_shape)[i], where + ": input dimension " + std::to_string(i)));
        }
        return dims;
    }
    if (const json* shape = member(config, "input_shape"); shape != nullptr && shape->is_array()) {
        for (const json& d : *shape) dims.push_back(positive_integer(d, where + ": input_shape"));
        return dims;
    }
    if (const json* input_dim = member(config, "input_dim"); input_dim != nullptr && !input_dim->is_null()) {
        dims.push_back(positive_integer(*input_dim, where + ": input_dim"));
    }
    return dims;
}

namespace {

using reader = layer_spec (*)(const json& config, const std::string& where);

// The reader of a Keras class, from this file's table or shape_layers.cpp's.
reader translation_of(const std::string& keras_class)
{
    for (const translated_class& t : translations) {
        if (keras_class == t.keras_name) return t.read;
    }
    for (std::size_t i = 0; i < shaping_translation_count; ++i) {
        if (keras_class == shaping_translations[i].keras_name) return shaping_translations[i].read;
    }
    return nullptr;
}

}  // namespace

bool is_translated_class(const std::string& keras_class) { return translation_of(keras_class) != nullptr; }

std::vector<std::string> translated_classes()
{
    std::vector<std::string> names = {"InputLayer"};
    for (const translated_class& t : translations) names.emplace_back(t.keras_name);
    for (std::size_t i = 0; i < shaping_translation_count; ++i) names.emplace_back(shaping_translations[i].keras_name);
    return names;
}

layer_spec layer_from_keras(const std::string& keras_class, const json& config, const std::string& where)
{
    if (!config.is_object()) throw format_error(where + ": expected a config object, found " + json_excerpt(config));
    if (const reader read = translation_of(keras_class)) {
        check_common(config, where);
        layer_spec layer = read(config, where);
        if (const json* trainable = member(config, "trainable"); trainable != nullptr && !trainable->get<bool>()) {
            layer.config["trainable"] = false;
        }
        if (const std::string policy = keras_policy_name(config, where); policy != "float32") {
            layer.config["dtype_policy"] = policy;
        }
        const json* name = member(config, "name");
        if (name == nullptr || !name->is_string() || name->get<std::string>().empty()) {
            throw format_error(where + ": the layer has no name");
        }
        layer.name = name->get<std::string>();
        return layer;
    }
    throw format_error(where + ": layer class '" + keras_class +
                       "' cannot be rebuilt by mlrun (nothing in a model file is run as code); supported: " +
                       supported_keras_classes());
}

json keras_input_config(const std::string& name, const std::vector<std::int64_t>& shape)
{
    return {{"batch_input_shape", shape_json(shape)}, {"dtype", "float32"}, {"sparse", false}, {"ragged", false},
            {"name", name}};
}

json keras_layer_config(const layer_spec& layer, const std::vector<std::int64_t>* batch_input_shape,
                        const std::string& where)
{
    json c = {{"name", layer.name}, {"trainable", setting<bool>(layer.config, "trainable", true, where)}};
    if (batch_input_shape != nullptr) c["batch_input_shape"] = shape_json(*batch_input_shape);
    const std::string policy = setting<std::string>(layer.config, "dtype_policy", "", where);
    c["dtype"] = keras_policy(policy.empty() ? "float32" : policy, false);
    const YAML::Node& s = layer.config;
    if (layer.class_name == "Dense") {
        c["units"] = setting<std::int64_t>(s, "units", 0, where);
        c["activation"] = keras_activation_name(setting<std::string>(s, "activation", "linear", where), where);
        c["use_bias"] = setting<bool>(s, "use_bias", true, where);
        c["kernel_initializer"] =
            keras_initializer(setting<std::string>(s, "kernel_initializer", "glorot_uniform", where), where);
        c["bias_initializer"] = keras_initializer(setting<std::string>(s, "bias_initializer", "zeros", where), where);
        for (const char* key : {"kernel_regularizer", "bias_regularizer", "activity_regularizer"}) {
            c[key] = keras_regularizer(s, key, false, where);
        }
        for (const char* key : {"kernel_constraint", "bias_constraint"}) c[key] = keras_constraint(s, key, false, where);
    } else if (layer.class_name == "Dropout") {
        c["rate"] = float_for_json(setting<float>(s, "rate", 0.0f, where));
        c["noise_shape"] = nullptr;
        c["seed"] = nullptr;
    } else if (layer.class_name == "Activation") {
        c["activation"] = keras_activation_name(setting<std::string>(s, "activation", "linear", where), where);
    } else if (layer.class_name == "Flatten") {
        c["data_format"] = "channels_last";
    } else if (layer.class_name == "Concatenate") {
        c["axis"] = setting<std::int64_t>(s, "axis", -1, where);
    } else if (layer.class_name == "BatchNormalization") {
        c["axis"] = setting<std::int64_t>(s, "axis", -1, where);
        c["momentum"] = float_for_json(setting<float>(s, "momentum", 0.99f, where));
        c["epsilon"] = float_for_json(setting<float>(s, "epsilon", 0.001f, where));
        c["center"] = setting<bool>(s, "center", true, where);
        c["scale"] = setting<bool>(s, "scale", true, where);
        c["beta_initializer"] = keras_initializer("zeros", where);
        c["gamma_initializer"] = keras_initializer("ones", where);
        c["moving_mean_initializer"] = keras_initializer("zeros", where);
        c["moving_variance_initializer"] = keras_initializer("ones", where);
        for (const char* key : {"beta_regularizer", "gamma_regularizer"}) c[key] = keras_regularizer(s, key, false, where);
        for (const char* key : {"beta_constraint", "gamma_constraint"}) c[key] = keras_constraint(s, key, false, where);
    } else if (!convolutional_keras_config(layer, c, where) && !shaping_keras_config(layer, c, where) &&
               layer.class_name != "Add") {
        throw format_error(where + ": layer class '" + layer.class_name + "' has no Keras translation; supported: " +
                           supported_keras_classes());
    }
    return c;
}

}  // namespace mlrun::interop::keras
