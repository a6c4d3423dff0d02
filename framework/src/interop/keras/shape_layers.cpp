// Keras's reshaping layers, Embedding and the activation layers with
// settings, between their Keras configs and mlrun's settings (the keys of
// the layer classes in framework/src/layers/reshaping_layers.cpp,
// dropout.cpp, embedding.cpp and advanced_activations.cpp).
#include "layer_settings.hpp"
#include "interop/keras/weight_penalties.hpp"

namespace mlrun::interop::keras {
namespace {

// ---- reading

YAML::Node flow_list()
{
    YAML::Node list(YAML::NodeType::Sequence);
    list.SetStyle(YAML::EmitterStyle::Flow);
    return list;
}

std::int64_t integer(const json& value, const std::string& what)
{
    if (!value.is_number_integer()) throw format_error(what + ": expected an integer, found " + keras_value_text(value));
    return value.get<std::int64_t>();
}

std::int64_t non_negative(const json& value, const std::string& what)
{
    const std::int64_t v = integer(value, what);
    if (v < 0) throw format_error(what + ": expected an amount >= 0, found " + keras_value_text(value));
    return v;
}

YAML::Node integer_list(const json& value, const std::string& what)
{
    if (!value.is_array()) throw format_error(what + ": expected a list of integers, found " + keras_value_text(value));
    YAML::Node list = flow_list();
    for (const json& v : value) list.push_back(integer(v, what));
    return list;
}

// Keras's 1, (rows, cols) or ((top, bottom), (left, right)), as
// [[top, bottom], [left, right]].
YAML::Node border(const json& config, const char* key, const std::string& where)
{
    const json* value = member(config, key);
    const std::string what = where + ": " + key;
    YAML::Node result = flow_list();
    if (value == nullptr || value->is_null()) return YAML::Node();
    const auto pair = [&](std::int64_t a, std::int64_t b) {
        YAML::Node p = flow_list();
        p.push_back(a);
        p.push_back(b);
        return p;
    };
    if (value->is_number_integer()) {
        const std::int64_t v = non_negative(*value, what);
        result.push_back(pair(v, v));
        result.push_back(pair(v, v));
        return result;
    }
    if (value->is_array() && value->size() == 2) {
        const json& rows = (*value)[0];
        const json& cols = (*value)[1];
        if (rows.is_number_integer() && cols.is_number_integer()) {
            const std::int64_t r = non_negative(rows, what);
            const std::int64_t c = non_negative(cols, what);
            result.push_back(pair(r, r));
            result.push_back(pair(c, c));
            return result;
        }
        if (rows.is_array() && cols.is_array() && rows.size() == 2 && cols.size() == 2) {
            result.push_back(pair(non_negative(rows[0], what), non_negative(rows[1], what)));
            result.push_back(pair(non_negative(cols[0], what), non_negative(cols[1], what)));
            return result;
        }
    }
    throw format_error(what + ": expected an integer, (rows, cols) or ((top, bottom), (left, right)), found " +
                       keras_value_text(*value));
}

void read_channels_last(const json& config, const std::string& where)
{
    const json* format = member(config, "data_format");
    if (format == nullptr || format->is_null() || *format == "channels_last") return;
    throw format_error(where + ": data_format " + keras_value_text(*format) +
                       "; expected channels_last (channels_first is not supported by mlrun)");
}

void read_number(const json& config, const char* key, const std::string& where, YAML::Node& out)
{
    const json* v = member(config, key);
    if (v == nullptr || v->is_null()) return;
    if (!v->is_number()) throw format_error(where + ": " + key + ": expected a number, found " + keras_value_text(*v));
    out[key] = scalar_text(*v);
}

layer_spec named_class(const char* class_name)
{
    layer_spec layer;
    layer.class_name = class_name;
    layer.config = YAML::Node(YAML::NodeType::Map);
    return layer;
}

layer_spec reshape_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("Reshape");
    const json* target = member(config, "target_shape");
    if (target == nullptr) throw format_error(where + ": missing 'target_shape'");
    layer.config["target_shape"] = integer_list(*target, where + ": target_shape");
    check_rest(config, {"target_shape"}, where);
    return layer;
}

layer_spec permute_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("Permute");
    const json* dims = member(config, "dims");
    if (dims == nullptr) throw format_error(where + ": missing 'dims'");
    layer.config["dims"] = integer_list(*dims, where + ": dims");
    check_rest(config, {"dims"}, where);
    return layer;
}

layer_spec zero_padding2d_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("ZeroPadding2D");
    read_channels_last(config, where);
    if (YAML::Node padding = border(config, "padding", where)) layer.config["padding"] = padding;
    check_rest(config, {"padding", "data_format"}, where);
    return layer;
}

layer_spec cropping2d_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("Cropping2D");
    read_channels_last(config, where);
    if (YAML::Node cropping = border(config, "cropping", where)) layer.config["cropping"] = cropping;
    check_rest(config, {"cropping", "data_format"}, where);
    return layer;
}

layer_spec up_sampling2d_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("UpSampling2D");
    read_channels_last(config, where);
    if (const json* size = member(config, "size"); size != nullptr && !size->is_null()) {
        YAML::Node list = flow_list();
        if (size->is_number_integer()) {
            const std::int64_t v = positive_integer(*size, where + ": size");
            list.push_back(v);
            list.push_back(v);
        } else if (size->is_array() && size->size() == 2) {
            for (const json& v : *size) list.push_back(positive_integer(v, where + ": size"));
        } else {
            throw format_error(where + ": size: expected 2 positive integers, found " + keras_value_text(*size));
        }
        layer.config["size"] = list;
    }
    if (const json* mode = member(config, "interpolation"); mode != nullptr && !mode->is_null()) {
        const std::string m = string_value(*mode, where + ": interpolation");
        if (m != "nearest" && m != "bilinear") {
            throw format_error(where + ": interpolation '" + m + "'; mlrun upsamples with nearest or bilinear");
        }
        layer.config["interpolation"] = m;
    }
    check_rest(config, {"size", "data_format", "interpolation"}, where);
    return layer;
}

layer_spec spatial_dropout2d_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("SpatialDropout2D");
    const json* rate = member(config, "rate");
    if (rate == nullptr || !rate->is_number()) throw format_error(where + ": missing a numeric 'rate'");
    layer.config["rate"] = scalar_text(*rate);
    read_channels_last(config, where);
    if (const json* noise = member(config, "noise_shape"); noise != nullptr && !noise->is_null()) {
        throw format_error(where + ": noise_shape " + keras_value_text(*noise) + " is not supported by mlrun");
    }
    // seed: Keras's own stream; mlrun's masks follow the experiment seed (as Dropout's).
    check_rest(config, {"rate", "noise_shape", "seed", "data_format"}, where);
    return layer;
}

layer_spec embedding_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("Embedding");
    for (const char* key : {"input_dim", "output_dim"}) {
        const json* v = member(config, key);
        if (v == nullptr) throw format_error(where + ": missing '" + key + "'");
        layer.config[key] = positive_integer(*v, where + ": " + key);
    }
    const json* init = member(config, "embeddings_initializer");
    layer.config["embeddings_initializer"] =
        init != nullptr && !init->is_null() ? initializer_name(*init, where + ": embeddings_initializer") : "random_uniform";
    read_weight_penalties(config, {"embeddings"}, true, where, layer.config);
    // mask_zero must be off (mlrun has no masks); input_length is the
    // sample shape, which the model's input gives; lora_rank and sparse are
    // Keras 3's, off by default.
    check_rest(config,
               {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
                "embeddings_constraint", "input_length"},
               where);
    return layer;
}

layer_spec elu_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("ELU");
    read_number(config, "alpha", where, layer.config);
    check_rest(config, {"alpha"}, where);
    return layer;
}

layer_spec relu_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("ReLU");
    for (const char* key : {"max_value", "negative_slope", "threshold"}) read_number(config, key, where, layer.config);
    check_rest(config, {"max_value", "negative_slope", "threshold"}, where);
    return layer;
}

layer_spec prelu_from_keras(const json& config, const std::string& where)
{
    layer_spec layer = named_class("PReLU");
    const json* init = member(config, "alpha_initializer");
    layer.config["alpha_initializer"] =
        init != nullptr && !init->is_null() ? initializer_name(*init, where + ": alpha_initializer") : "zeros";
    read_weight_penalties(config, {"alpha"}, false, where, layer.config);
    if (const json* axes = member(config, "shared_axes"); axes != nullptr && !axes->is_null()) {
        if (axes->is_number_integer()) {
            YAML::Node list = flow_list();
            list.push_back(integer(*axes, where + ": shared_axes"));
            layer.config["shared_axes"] = list;
        } else {
            layer.config["shared_axes"] = integer_list(*axes, where + ": shared_axes");
        }
    }
    check_rest(config, {"alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"}, where);
    return layer;
}

// ---- writing

json integers_json(const YAML::Node& list)
{
    json result = json::array();
    if (list.IsSequence()) {
        for (const YAML::Node& v : list) result.push_back(v.as<std::int64_t>());
    }
    return result;
}

json border_json(const YAML::Node& s, const char* key, std::int64_t fallback)
{
    const YAML::Node value = s[key];
    if (!value.IsDefined() || !value.IsSequence()) return {{fallback, fallback}, {fallback, fallback}};
    return {integers_json(value[0]), integers_json(value[1])};
}

json number_json(const YAML::Node& s, const char* key, float fallback, const std::string& where)
{
    return float_for_json(setting<float>(s, key, fallback, where));
}

}  // namespace

const shaping_translation shaping_translations[] = {
    {"Reshape", reshape_from_keras},
    {"Permute", permute_from_keras},
    {"ZeroPadding2D", zero_padding2d_from_keras},
    {"Cropping2D", cropping2d_from_keras},
    {"UpSampling2D", up_sampling2d_from_keras},
    {"SpatialDropout2D", spatial_dropout2d_from_keras},
    {"Embedding", embedding_from_keras},
    {"ELU", elu_from_keras},
    {"ReLU", relu_from_keras},
    {"PReLU", prelu_from_keras},
};
const std::size_t shaping_translation_count = sizeof shaping_translations / sizeof shaping_translations[0];

bool shaping_keras_config(const layer_spec& layer, json& c, const std::string& where)
{
    const YAML::Node& s = layer.config;
    const std::string& n = layer.class_name;
    if (n == "Reshape") {
        c["target_shape"] = integers_json(s["target_shape"]);
    } else if (n == "Permute") {
        c["dims"] = integers_json(s["dims"]);
    } else if (n == "ZeroPadding2D") {
        c["padding"] = border_json(s, "padding", 1);
        c["data_format"] = "channels_last";
    } else if (n == "Cropping2D") {
        c["cropping"] = border_json(s, "cropping", 0);
        c["data_format"] = "channels_last";
    } else if (n == "UpSampling2D") {
        const YAML::Node size = s["size"];
        c["size"] = size.IsDefined() && size.IsSequence() ? integers_json(size) : json::array({2, 2});
        c["data_format"] = "channels_last";
        c["interpolation"] = setting<std::string>(s, "interpolation", "nearest", where);
    } else if (n == "SpatialDropout2D") {
        c["rate"] = number_json(s, "rate", 0.0f, where);
        c["noise_shape"] = nullptr;
        c["seed"] = nullptr;
    } else if (n == "Embedding") {
        c["input_dim"] = setting<std::int64_t>(s, "input_dim", 0, where);
        c["output_dim"] = setting<std::int64_t>(s, "output_dim", 0, where);
        c["embeddings_initializer"] =
            keras_initializer(setting<std::string>(s, "embeddings_initializer", "random_uniform", where), where);
        c["embeddings_regularizer"] = keras_regularizer(s, "embeddings_regularizer", false, where);
        c["activity_regularizer"] = keras_regularizer(s, "activity_regularizer", false, where);
        c["embeddings_constraint"] = keras_constraint(s, "embeddings_constraint", false, where);
        c["mask_zero"] = false;
        c["input_length"] = nullptr;
    } else if (n == "ELU") {
        c["alpha"] = number_json(s, "alpha", 1.0f, where);
    } else if (n == "ReLU") {
        const YAML::Node max = s["max_value"];
        c["max_value"] = max.IsDefined() && !max.IsNull() ? json(number_json(s, "max_value", 0.0f, where)) : json(nullptr);
        c["negative_slope"] = number_json(s, "negative_slope", 0.0f, where);
        c["threshold"] = number_json(s, "threshold", 0.0f, where);
    } else if (n == "PReLU") {
        c["alpha_initializer"] = keras_initializer(setting<std::string>(s, "alpha_initializer", "zeros", where), where);
        c["alpha_regularizer"] = keras_regularizer(s, "alpha_regularizer", false, where);
        c["alpha_constraint"] = keras_constraint(s, "alpha_constraint", false, where);
        const json axes = integers_json(s["shared_axes"]);
        c["shared_axes"] = axes.empty() ? json(nullptr) : axes;
    } else {
        return false;
    }
    return true;
}

}  // namespace mlrun::interop::keras
