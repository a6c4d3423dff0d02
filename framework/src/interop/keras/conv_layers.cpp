// Keras's convolutional layers, pooling and LayerNormalization, between
// their Keras configs and mlrun's settings (the keys of the layer classes
// in framework/src/layers/convolution.cpp, pooling.cpp, layer_normalization.cpp).
#include "layer_settings.hpp"
#include "interop/keras/weight_penalties.hpp"

namespace mlrun::interop::keras {
namespace {

// ---- reading

// An int-or-tuple setting with `rank` values, each at least 1.
YAML::Node tuple_setting(const json& config, const char* key, std::size_t rank, const std::string& where)
{
    const json* value = member(config, key);
    YAML::Node list(YAML::NodeType::Sequence);
    list.SetStyle(YAML::EmitterStyle::Flow);
    const std::string what = where + ": " + key;
    if (value == nullptr || value->is_null()) return YAML::Node();
    if (value->is_number_integer()) {
        const std::int64_t v = positive_integer(*value, what);
        for (std::size_t i = 0; i < rank; ++i) list.push_back(v);
        return list;
    }
    if (!value->is_array() || value->size() != rank) {
        throw format_error(what + ": expected " + std::to_string(rank) + " positive integers, found " +
                           keras_value_text(*value));
    }
    for (const json& v : *value) list.push_back(positive_integer(v, what));
    return list;
}

void require_tuple(const json& config, const char* key, std::size_t rank, const std::string& where, YAML::Node& out)
{
    YAML::Node value = tuple_setting(config, key, rank, where);
    if (!value) throw format_error(where + ": missing '" + key + "'");
    out[key] = value;
}

void optional_tuple(const json& config, const char* key, std::size_t rank, const std::string& where, YAML::Node& out)
{
    YAML::Node value = tuple_setting(config, key, rank, where);
    if (value) out[key] = value;
}

void read_padding(const json& config, const std::string& where, YAML::Node& out)
{
    const json* padding = member(config, "padding");
    if (padding == nullptr || padding->is_null()) return;
    const std::string p = string_value(*padding, where + ": padding");
    if (p != "valid" && p != "same") {
        throw format_error(where + ": padding '" + p + "'; expected valid or same" +
                           (p == "causal" ? " (causal padding is not supported by mlrun)" : ""));
    }
    out["padding"] = p;
}

void read_data_format(const json& config, const std::string& where)
{
    const json* format = member(config, "data_format");
    if (format == nullptr || format->is_null() || *format == "channels_last") return;
    throw format_error(where + ": data_format " + keras_value_text(*format) +
                       "; expected channels_last (mlrun keeps images as [rows, cols, channels]; channels_first is "
                       "not supported)");
}

void read_initializer(const json& config, const char* key, const char* fallback, const std::string& where,
                      YAML::Node& out)
{
    const json* init = member(config, key);
    out[key] = init != nullptr && !init->is_null() ? initializer_name(*init, where + ": " + key) : fallback;
}

std::set<std::string> weight_keys(std::initializer_list<const char*> weights)
{
    std::set<std::string> keys = {"activity_regularizer"};
    for (const char* w : weights) {
        keys.insert(std::string(w) + "_initializer");
        keys.insert(std::string(w) + "_regularizer");
        keys.insert(std::string(w) + "_constraint");
    }
    return keys;
}

void read_output(const json& config, const std::string& where, YAML::Node& out)
{
    out["activation"] = activation_of(config, where);
    if (const json* bias = member(config, "use_bias"); bias != nullptr && !bias->is_null()) {
        if (!bias->is_boolean()) throw format_error(where + ": use_bias: expected true or false, found " + keras_value_text(*bias));
        out["use_bias"] = bias->get<bool>();
    }
}

void read_filters(const json& config, const std::string& where, YAML::Node& out)
{
    const json* filters = member(config, "filters");
    if (filters == nullptr) throw format_error(where + ": missing 'filters'");
    out["filters"] = positive_integer(*filters, where + ": filters");
}

std::set<std::string> joined(std::set<std::string> a, const std::set<std::string>& b)
{
    a.insert(b.begin(), b.end());
    return a;
}

layer_spec conv_from_keras(const char* class_name, std::size_t rank, bool grouped, const json& config,
                           const std::string& where)
{
    layer_spec layer;
    layer.class_name = class_name;
    YAML::Node& c = layer.config;
    read_data_format(config, where);
    read_filters(config, where, c);
    require_tuple(config, "kernel_size", rank, where, c);
    optional_tuple(config, "strides", rank, where, c);
    read_padding(config, where, c);
    optional_tuple(config, "dilation_rate", rank, where, c);
    if (const json* groups = member(config, "groups"); grouped && groups != nullptr && !groups->is_null()) {
        c["groups"] = positive_integer(*groups, where + ": groups");
    }
    read_output(config, where, c);
    read_initializer(config, "kernel_initializer", "glorot_uniform", where, c);
    read_initializer(config, "bias_initializer", "zeros", where, c);
    read_weight_penalties(config, {"kernel", "bias"}, true, where, c);
    // lora_rank: Keras 3's low-rank adaptation, null when off.
    check_rest(config,
               joined({"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                       grouped ? "groups" : "output_padding", "activation", "use_bias", "lora_rank"},
                      weight_keys({"kernel", "bias"})),
               where);
    return layer;
}

void read_depth_multiplier(const json& config, const std::string& where, YAML::Node& out)
{
    if (const json* m = member(config, "depth_multiplier"); m != nullptr && !m->is_null()) {
        out["depth_multiplier"] = positive_integer(*m, where + ": depth_multiplier");
    }
}

template <std::size_t Rank>
layer_spec pooling_from_keras(const char* class_name, const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = class_name;
    YAML::Node& c = layer.config;
    read_data_format(config, where);
    // Keras 1 wrote pool_length and stride for 1-D pooling.
    const char* pool_key = member(config, "pool_size") == nullptr && member(config, "pool_length") != nullptr
                               ? "pool_length"
                               : "pool_size";
    if (YAML::Node pool = tuple_setting(config, pool_key, Rank, where)) c["pool_size"] = pool;
    const char* stride_key = member(config, "strides") == nullptr && member(config, "stride") != nullptr ? "stride"
                                                                                                         : "strides";
    if (YAML::Node strides = tuple_setting(config, stride_key, Rank, where)) c["strides"] = strides;
    read_padding(config, where, c);
    check_rest(config, {"pool_size", "pool_length", "strides", "stride", "padding", "data_format"}, where);
    return layer;
}

layer_spec global_pooling_from_keras(const char* class_name, const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = class_name;
    layer.config = YAML::Node(YAML::NodeType::Map);
    read_data_format(config, where);
    if (const json* keep = member(config, "keepdims"); keep != nullptr && !keep->is_null()) {
        if (!keep->is_boolean()) throw format_error(where + ": keepdims: expected true or false, found " + keras_value_text(*keep));
        layer.config["keepdims"] = keep->get<bool>();
    }
    check_rest(config, {"data_format", "keepdims"}, where);
    return layer;
}

// ---- writing

json tuple_json(const YAML::Node& config, const char* key, std::size_t rank, std::int64_t fallback)
{
    json list = json::array();
    const YAML::Node value = config[key];
    if (!value.IsDefined() || value.IsNull()) {
        for (std::size_t i = 0; i < rank; ++i) list.push_back(fallback);
    } else if (value.IsScalar()) {
        for (std::size_t i = 0; i < rank; ++i) list.push_back(value.as<std::int64_t>());
    } else {
        for (const YAML::Node& v : value) list.push_back(v.as<std::int64_t>());
    }
    return list;
}

void write_window(const YAML::Node& s, json& c, std::size_t rank, const std::string& where)
{
    c["kernel_size"] = tuple_json(s, "kernel_size", rank, 1);
    c["strides"] = tuple_json(s, "strides", rank, 1);
    c["padding"] = setting<std::string>(s, "padding", "valid", where);
    c["data_format"] = "channels_last";
    c["dilation_rate"] = tuple_json(s, "dilation_rate", rank, 1);
}

void write_output(const YAML::Node& s, json& c, std::initializer_list<const char*> weights, const std::string& where)
{
    c["activation"] = keras_activation_name(setting<std::string>(s, "activation", "linear", where), where);
    c["use_bias"] = setting<bool>(s, "use_bias", true, where);
    for (const char* w : weights) {
        const std::string key = std::string(w) + "_initializer";
        c[key] = keras_initializer(setting<std::string>(s, key.c_str(), std::string(w) == "bias" ? "zeros" : "glorot_uniform",
                                                        where),
                                   where);
    }
    // Only layers with a kernel and a bias have regularizers and constraints in mlrun; the others write null.
    for (const char* w : weights) {
        const std::string key = std::string(w) + "_regularizer";
        c[key] = keras_regularizer(s, key.c_str(), false, where);
    }
    c["activity_regularizer"] = keras_regularizer(s, "activity_regularizer", false, where);
    for (const char* w : weights) {
        const std::string key = std::string(w) + "_constraint";
        c[key] = keras_constraint(s, key.c_str(), false, where);
    }
}

}  // namespace

layer_spec layer_normalization_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "LayerNormalization";
    std::int64_t axis = -1;
    if (const json* a = member(config, "axis"); a != nullptr && !a->is_null()) {
        const json& single = a->is_array() && a->size() == 1 ? (*a)[0] : *a;
        if (!single.is_number_integer()) {
            throw format_error(where + ": axis " + keras_value_text(*a) + "; mlrun normalises one axis, the last");
        }
        axis = single.get<std::int64_t>();
    }
    layer.config["axis"] = axis;
    if (const json* v = member(config, "epsilon"); v != nullptr && !v->is_null()) {
        if (!v->is_number()) throw format_error(where + ": epsilon: expected a number, found " + keras_value_text(*v));
        layer.config["epsilon"] = scalar_text(*v);
    }
    for (const char* key : {"center", "scale"}) {
        if (const json* v = member(config, key); v != nullptr && !v->is_null()) {
            if (!v->is_boolean()) throw format_error(where + ": " + key + ": expected true or false");
            layer.config[key] = v->get<bool>();
        }
    }
    check_initializer_is(config, "beta_initializer", "zeros", where);
    check_initializer_is(config, "gamma_initializer", "ones", where);
    read_weight_penalties(config, {"beta", "gamma"}, false, where, layer.config);
    // rms_scaling (Keras 3) must be off: it is another normalisation.
    check_rest(config,
               {"axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "beta_regularizer",
                "gamma_regularizer", "beta_constraint", "gamma_constraint"},
               where);
    return layer;
}

layer_spec conv1d_from_keras(const json& config, const std::string& where)
{
    return conv_from_keras("Conv1D", 1, true, config, where);
}

layer_spec conv2d_from_keras(const json& config, const std::string& where)
{
    return conv_from_keras("Conv2D", 2, true, config, where);
}

layer_spec depthwise_conv2d_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "DepthwiseConv2D";
    YAML::Node& c = layer.config;
    read_data_format(config, where);
    require_tuple(config, "kernel_size", 2, where, c);
    optional_tuple(config, "strides", 2, where, c);
    read_padding(config, where, c);
    read_depth_multiplier(config, where, c);
    optional_tuple(config, "dilation_rate", 2, where, c);
    read_output(config, where, c);
    read_initializer(config, "depthwise_initializer", "glorot_uniform", where, c);
    read_initializer(config, "bias_initializer", "zeros", where, c);
    read_weight_penalties(config, {"depthwise", "bias"}, true, where, c);
    check_rest(config,
               joined({"kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
                       "activation", "use_bias"},
                      weight_keys({"depthwise", "bias"})),
               where);
    return layer;
}

layer_spec separable_conv2d_from_keras(const json& config, const std::string& where)
{
    layer_spec layer;
    layer.class_name = "SeparableConv2D";
    YAML::Node& c = layer.config;
    read_data_format(config, where);
    read_filters(config, where, c);
    require_tuple(config, "kernel_size", 2, where, c);
    optional_tuple(config, "strides", 2, where, c);
    read_padding(config, where, c);
    optional_tuple(config, "dilation_rate", 2, where, c);
    read_depth_multiplier(config, where, c);
    read_output(config, where, c);
    read_initializer(config, "depthwise_initializer", "glorot_uniform", where, c);
    read_initializer(config, "pointwise_initializer", "glorot_uniform", where, c);
    read_initializer(config, "bias_initializer", "zeros", where, c);
    read_weight_penalties(config, {"depthwise", "pointwise", "bias"}, true, where, c);
    check_rest(config,
               joined({"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                       "depth_multiplier", "activation", "use_bias"},
                      weight_keys({"depthwise", "pointwise", "bias"})),
               where);
    return layer;
}

layer_spec conv2d_transpose_from_keras(const json& config, const std::string& where)
{
    if (const json* out = member(config, "output_padding"); out != nullptr && !out->is_null()) {
        throw format_error(where + ": output_padding " + keras_value_text(*out) +
                           "; expected null (mlrun sizes the output as Keras does without it)");
    }
    return conv_from_keras("Conv2DTranspose", 2, false, config, where);
}

layer_spec max_pooling1d_from_keras(const json& config, const std::string& where)
{
    return pooling_from_keras<1>("MaxPooling1D", config, where);
}

layer_spec max_pooling2d_from_keras(const json& config, const std::string& where)
{
    return pooling_from_keras<2>("MaxPooling2D", config, where);
}

layer_spec average_pooling1d_from_keras(const json& config, const std::string& where)
{
    return pooling_from_keras<1>("AveragePooling1D", config, where);
}

layer_spec average_pooling2d_from_keras(const json& config, const std::string& where)
{
    return pooling_from_keras<2>("AveragePooling2D", config, where);
}

layer_spec global_max_pooling1d_from_keras(const json& config, const std::string& where)
{
    return global_pooling_from_keras("GlobalMaxPooling1D", config, where);
}

layer_spec global_max_pooling2d_from_keras(const json& config, const std::string& where)
{
    return global_pooling_from_keras("GlobalMaxPooling2D", config, where);
}

layer_spec global_average_pooling1d_from_keras(const json& config, const std::string& where)
{
    return global_pooling_from_keras("GlobalAveragePooling1D", config, where);
}

layer_spec global_average_pooling2d_from_keras(const json& config, const std::string& where)
{
    return global_pooling_from_keras("GlobalAveragePooling2D", config, where);
}

bool convolutional_keras_config(const layer_spec& layer, json& c, const std::string& where)
{
    const YAML::Node& s = layer.config;
    const std::string& n = layer.class_name;
    if (n == "Conv1D" || n == "Conv2D") {
        const std::size_t rank = n == "Conv1D" ? 1 : 2;
        c["filters"] = setting<std::int64_t>(s, "filters", 0, where);
        write_window(s, c, rank, where);
        c["groups"] = setting<std::int64_t>(s, "groups", 1, where);
        write_output(s, c, {"kernel", "bias"}, where);
    } else if (n == "DepthwiseConv2D") {
        write_window(s, c, 2, where);
        c["depth_multiplier"] = setting<std::int64_t>(s, "depth_multiplier", 1, where);
        write_output(s, c, {"depthwise", "bias"}, where);
    } else if (n == "SeparableConv2D") {
        c["filters"] = setting<std::int64_t>(s, "filters", 0, where);
        write_window(s, c, 2, where);
        c["depth_multiplier"] = setting<std::int64_t>(s, "depth_multiplier", 1, where);
        write_output(s, c, {"depthwise", "pointwise", "bias"}, where);
    } else if (n == "Conv2DTranspose") {
        c["filters"] = setting<std::int64_t>(s, "filters", 0, where);
        write_window(s, c, 2, where);
        c["output_padding"] = nullptr;
        write_output(s, c, {"kernel", "bias"}, where);
    } else if (n == "MaxPooling1D" || n == "MaxPooling2D" || n == "AveragePooling1D" || n == "AveragePooling2D") {
        const std::size_t rank = n.find("1D") != std::string::npos ? 1 : 2;
        c["pool_size"] = tuple_json(s, "pool_size", rank, 2);
        const YAML::Node strides = s["strides"];
        c["strides"] = strides.IsDefined() && !strides.IsNull() ? tuple_json(s, "strides", rank, 1) : c["pool_size"];
        c["padding"] = setting<std::string>(s, "padding", "valid", where);
        c["data_format"] = "channels_last";
    } else if (n.rfind("Global", 0) == 0 && n.find("Pooling") != std::string::npos) {
        c["data_format"] = "channels_last";
        c["keepdims"] = setting<bool>(s, "keepdims", false, where);
    } else if (n == "LayerNormalization") {
        c["axis"] = json::array({setting<std::int64_t>(s, "axis", -1, where)});
        c["epsilon"] = float_for_json(setting<float>(s, "epsilon", 0.001f, where));
        c["center"] = setting<bool>(s, "center", true, where);
        c["scale"] = setting<bool>(s, "scale", true, where);
        c["beta_initializer"] = keras_initializer("zeros", where);
        c["gamma_initializer"] = keras_initializer("ones", where);
        for (const char* key : {"beta_regularizer", "gamma_regularizer"}) c[key] = keras_regularizer(s, key, false, where);
        for (const char* key : {"beta_constraint", "gamma_constraint"}) c[key] = keras_constraint(s, key, false, where);
    } else {
        return false;
    }
    return true;
}

}  // namespace mlrun::interop::keras
