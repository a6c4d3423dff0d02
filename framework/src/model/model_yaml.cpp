#include "model/model_yaml.hpp"

#include "config/schema.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "model/weight_penalties_yaml.hpp"

#include <type_traits>

namespace mlrun {
namespace {

// One list item, taken apart.
struct layer_item {
    YAML::Node node;  // the whole item, for positions
    std::string class_name;
    YAML::Node config;  // the class's mapping, without name/input_shape
    std::string name;   // empty: automatic
    std::vector<std::string> inputs;
    std::optional<std::vector<std::int64_t>> input_shape;
    YAML::Node input_shape_node;  // for positions
};

std::string layer_name(const YAML::Node& value, const std::string& file, std::size_t index)
{
    const std::string name = value.IsScalar() ? value.Scalar() : "";
    check_layer_name(name, position(file, value) + ": model[" + std::to_string(index) + "].name");
    return name;
}

std::vector<std::int64_t> read_shape(const YAML::Node& node, const std::string& file, const std::string& what)
{
    key_spec spec{what, value_kind::integer_list, "", "per-sample shape"};
    check_value(node, spec, file, what);
    auto dims = node.as<std::vector<std::int64_t>>();
    for (std::int64_t d : dims) {
        if (d < 1) throw config_error(position(file, node) + ": " + what + ": dimensions must be >= 1");
    }
    return dims;
}

layer_item parse_item(const YAML::Node& item, const std::string& file, std::size_t index)
{
    const std::string where = position(file, item) + ": model[" + std::to_string(index) + "]";
    if (!item.IsMap()) {
        throw config_error(where + ": expected a layer such as '- Dense: {units: 10}', found " +
                           (item.IsScalar() ? "'" + item.Scalar() + "'" : "a list"));
    }
    layer_item result;
    result.node.reset(item);
    for (const auto& kv : item) {
        const std::string key = kv.first.Scalar();
        if (key == "name") {
            result.name = layer_name(kv.second, file, index);
        } else if (key == "inputs") {
            key_spec spec{"inputs", value_kind::string_list, "", "names of the input layers"};
            const YAML::Node value = kv.second.IsScalar() ? YAML::Node(std::vector<std::string>{kv.second.Scalar()})
                                                          : kv.second;
            check_value(value, spec, file, "inputs");
            result.inputs = value.as<std::vector<std::string>>();
        } else if (result.class_name.empty()) {
            result.class_name = key;
            result.config.reset(kv.second);
        } else {
            throw config_error(position(file, kv.first) + ": model[" + std::to_string(index) +
                               "]: one layer per item; found both '" + result.class_name + "' and '" + key + "'");
        }
    }
    if (result.class_name.empty()) throw config_error(where + ": no layer class given");
    find_layer_class(result.class_name, position(file, item));
    if (result.config.IsDefined() && !result.config.IsNull() && !result.config.IsMap()) {
        throw config_error(position(file, result.config) + ": " + result.class_name +
                           ": expected a mapping of its settings, found '" +
                           (result.config.IsScalar() ? result.config.Scalar() : "a list") + "'");
    }
    // name and input_shape may also sit inside the class's mapping (Keras style).
    YAML::Node own(YAML::NodeType::Map);
    if (result.config.IsMap()) {
        for (const auto& kv : result.config) {
            const std::string key = kv.first.Scalar();
            if (key == "name") {
                result.name = layer_name(kv.second, file, index);
            } else if (key == "input_shape") {
                result.input_shape = read_shape(kv.second, file, result.class_name + ".input_shape");
                result.input_shape_node.reset(kv.second);
            } else {
                own[kv.first] = kv.second;
            }
        }
    }
    result.config.reset(own);
    return result;
}

// Keras's int-or-tuple setting: 3 is [3, 3]; a list has one value per axis.
template <std::size_t Rank>
std::array<std::int64_t, Rank> tuple_setting(const YAML::Node& value, const std::string& file, const std::string& path)
{
    if (value.IsScalar()) return repeated<Rank>(value.as<std::int64_t>());
    if (value.size() != Rank) {
        throw config_error(position(file, value) + ": " + path + ": expected " +
                           (Rank == 1 ? std::string("one integer") : std::to_string(Rank) + " integers or one") +
                           ", found a list of " + std::to_string(value.size()));
    }
    std::array<std::int64_t, Rank> a{};
    for (std::size_t i = 0; i < Rank; ++i) a[i] = value[i].as<std::int64_t>();
    return a;
}

// Reads the settings of one layer's configuration, already checked against its class's keys.
struct settings_reader {
    const YAML::Node& config;
    const std::string& file;
    const std::string& path;

    template <class T>
    T get(const char* key) const
    {
        return config[key].as<T>();
    }
    template <std::size_t Rank>
    std::array<std::int64_t, Rank> tuple(const char* key) const
    {
        return tuple_setting<Rank>(config[key], file, path + "." + key);
    }
    bool has(const char* key) const { return config[key].IsDefined() && !config[key].IsNull(); }
};

template <std::size_t Rank>
void read_conv(const settings_reader& r, conv_options<Rank>& o)
{
    o.filters = r.get<std::int64_t>("filters");
    o.kernel_size = r.tuple<Rank>("kernel_size");
    o.strides = r.tuple<Rank>("strides");
    o.padding = r.get<std::string>("padding");
    o.data_format = r.get<std::string>("data_format");
    o.dilation_rate = r.tuple<Rank>("dilation_rate");
    o.groups = r.get<std::int64_t>("groups");
    o.activation = r.get<std::string>("activation");
    o.use_bias = r.get<bool>("use_bias");
    o.kernel_initializer = r.get<std::string>("kernel_initializer");
    o.bias_initializer = r.get<std::string>("bias_initializer");
}

template <std::size_t Rank>
void read_pooling(const settings_reader& r, pooling_options<Rank>& o)
{
    o.pool_size = r.tuple<Rank>("pool_size");
    if (r.has("strides")) o.strides = r.tuple<Rank>("strides");
    o.padding = r.get<std::string>("padding");
    o.data_format = r.get<std::string>("data_format");
}

template <class Options>
Options read_global_pooling(const settings_reader& r)
{
    Options o;
    o.data_format = r.get<std::string>("data_format");
    o.keepdims = r.get<bool>("keepdims");
    return o;
}

// The window settings the depthwise, separable and transposed convolutions share.
template <class Options>
void read_window(const settings_reader& r, Options& o)
{
    o.kernel_size = r.tuple<2>("kernel_size");
    o.strides = r.tuple<2>("strides");
    o.padding = r.get<std::string>("padding");
    o.data_format = r.get<std::string>("data_format");
    o.dilation_rate = r.tuple<2>("dilation_rate");
    o.activation = r.get<std::string>("activation");
    o.use_bias = r.get<bool>("use_bias");
    o.bias_initializer = r.get<std::string>("bias_initializer");
}

// ZeroPadding2D/Cropping2D amounts: 1 (every border), [rows, cols] (each
// before and after) or [[top, bottom], [left, right]], as Keras takes them.
border_2d border_setting(const YAML::Node& value, const std::string& file, const std::string& path)
{
    const auto amount = [&](const YAML::Node& v) {
        if (!v.IsScalar()) {
            throw config_error(position(file, v) + ": " + path + ": expected an integer, found a " +
                               (v.IsSequence() ? "list" : "mapping"));
        }
        try {
            return v.as<std::int64_t>();
        } catch (const YAML::Exception&) {
            throw config_error(position(file, v) + ": " + path + ": expected an integer, found '" + v.Scalar() + "'");
        }
    };
    const auto both = [](std::int64_t a, std::int64_t b) { return std::array<std::int64_t, 2>{a, b}; };
    if (value.IsScalar()) {
        const std::int64_t v = amount(value);
        return {both(v, v), both(v, v)};
    }
    if (value.IsSequence() && value.size() == 2) {
        if (value[0].IsScalar() && value[1].IsScalar()) {
            const std::int64_t rows = amount(value[0]);
            const std::int64_t cols = amount(value[1]);
            return {both(rows, rows), both(cols, cols)};
        }
        if (value[0].IsSequence() && value[1].IsSequence() && value[0].size() == 2 && value[1].size() == 2) {
            return {both(amount(value[0][0]), amount(value[0][1])), both(amount(value[1][0]), amount(value[1][1]))};
        }
    }
    throw config_error(position(file, value) + ": " + path +
                       ": expected an integer, [rows, cols] or [[top, bottom], [left, right]]");
}

layer_options decode_shaping(const std::string& n, const settings_reader& r)
{
    if (n == "Reshape") return reshape_options{r.get<std::vector<std::int64_t>>("target_shape")};
    if (n == "Permute") return permute_options{r.get<std::vector<std::int64_t>>("dims")};
    if (n == "ZeroPadding2D") {
        zero_padding2d_options o;
        o.padding = border_setting(r.config["padding"], r.file, r.path + ".padding");
        o.data_format = r.get<std::string>("data_format");
        return o;
    }
    if (n == "Cropping2D") {
        cropping2d_options o;
        o.cropping = border_setting(r.config["cropping"], r.file, r.path + ".cropping");
        o.data_format = r.get<std::string>("data_format");
        return o;
    }
    if (n == "UpSampling2D") {
        up_sampling2d_options o;
        o.size = r.tuple<2>("size");
        o.data_format = r.get<std::string>("data_format");
        o.interpolation = r.get<std::string>("interpolation");
        return o;
    }
    if (n == "SpatialDropout2D") {
        spatial_dropout2d_options o;
        o.rate = r.get<float>("rate");
        o.data_format = r.get<std::string>("data_format");
        return o;
    }
    if (n == "Embedding") {
        embedding_options o;
        o.input_dim = r.get<std::int64_t>("input_dim");
        o.output_dim = r.get<std::int64_t>("output_dim");
        o.embeddings_initializer = r.get<std::string>("embeddings_initializer");
        return o;
    }
    if (n == "ELU") return elu_options{r.get<float>("alpha")};
    if (n == "ReLU") {
        relu_options o;
        if (r.has("max_value")) o.max_value = r.get<float>("max_value");
        o.negative_slope = r.get<float>("negative_slope");
        o.threshold = r.get<float>("threshold");
        return o;
    }
    if (n == "PReLU") {
        prelu_options o;
        o.alpha_initializer = r.get<std::string>("alpha_initializer");
        o.shared_axes = r.get<std::vector<std::int64_t>>("shared_axes");
        return o;
    }
    throw std::logic_error("model_yaml: no decoder for the built-in layer class " + n);
}

layer_options decode_convolutional(const std::string& n, const settings_reader& r)
{
    if (n == "Conv1D") {
        conv1d_options o;
        read_conv(r, o);
        return o;
    }
    if (n == "Conv2D") {
        conv2d_options o;
        read_conv(r, o);
        return o;
    }
    if (n == "DepthwiseConv2D") {
        depthwise_conv2d_options o;
        read_window(r, o);
        o.depth_multiplier = r.get<std::int64_t>("depth_multiplier");
        o.depthwise_initializer = r.get<std::string>("depthwise_initializer");
        return o;
    }
    if (n == "SeparableConv2D") {
        separable_conv2d_options o;
        read_window(r, o);
        o.filters = r.get<std::int64_t>("filters");
        o.depth_multiplier = r.get<std::int64_t>("depth_multiplier");
        o.depthwise_initializer = r.get<std::string>("depthwise_initializer");
        o.pointwise_initializer = r.get<std::string>("pointwise_initializer");
        return o;
    }
    if (n == "Conv2DTranspose") {
        conv2d_transpose_options o;
        read_window(r, o);
        o.filters = r.get<std::int64_t>("filters");
        o.kernel_initializer = r.get<std::string>("kernel_initializer");
        return o;
    }
    auto pooled = [&](auto o) -> layer_options {
        read_pooling(r, o);
        return o;
    };
    if (n == "MaxPooling1D") return pooled(max_pooling1d_options{});
    if (n == "MaxPooling2D") return pooled(max_pooling2d_options{});
    if (n == "AveragePooling1D") return pooled(average_pooling1d_options{});
    if (n == "AveragePooling2D") return pooled(average_pooling2d_options{});
    if (n == "GlobalMaxPooling1D") return read_global_pooling<global_max_pooling1d_options>(r);
    if (n == "GlobalMaxPooling2D") return read_global_pooling<global_max_pooling2d_options>(r);
    if (n == "GlobalAveragePooling1D") return read_global_pooling<global_average_pooling1d_options>(r);
    if (n == "GlobalAveragePooling2D") return read_global_pooling<global_average_pooling2d_options>(r);
    return decode_shaping(n, r);
}

// The typed settings of a configuration already checked against the class's keys.
layer_options decode_options(const layer_class& c, const YAML::Node& config, const std::string& file,
                             const std::string& path)
{
    const std::string& n = c.name;
    if (c.provider != "built-in") {
        plugin_layer_options o;
        o.class_name = n;
        for (const key_spec& k : c.keys) {
            const YAML::Node value = config[k.name];
            if (value.IsDefined() && !value.IsNull()) o.settings.emplace_back(k.name, value.Scalar());
        }
        return o;
    }
    if (n == "Input") return input_options{config["shape"].as<std::vector<std::int64_t>>()};
    if (n == "Dense") {
        dense_options o;
        o.units = config["units"].as<std::int64_t>();
        o.activation = config["activation"].as<std::string>();
        o.use_bias = config["use_bias"].as<bool>();
        o.kernel_initializer = config["kernel_initializer"].as<std::string>();
        o.bias_initializer = config["bias_initializer"].as<std::string>();
        return o;
    }
    if (n == "Dropout") return dropout_options{config["rate"].as<float>()};
    if (n == "Activation") return activation_options{config["activation"].as<std::string>()};
    if (n == "Flatten") return flatten_options{};
    if (n == "Add") return add_options{};
    if (n == "Concatenate") return concatenate_options{config["axis"].as<int>()};
    if (n == "BatchNormalization") {
        batch_normalization_options o;
        o.axis = config["axis"].as<int>();
        o.momentum = config["momentum"].as<float>();
        o.epsilon = config["epsilon"].as<float>();
        o.center = config["center"].as<bool>();
        o.scale = config["scale"].as<bool>();
        return o;
    }
    if (n == "LayerNormalization") {
        layer_normalization_options o;
        o.axis = config["axis"].as<int>();
        o.epsilon = config["epsilon"].as<float>();
        o.center = config["center"].as<bool>();
        o.scale = config["scale"].as<bool>();
        return o;
    }
    return decode_convolutional(n, settings_reader{config, file, path});
}

struct settings_encoder {
    YAML::Node& c;
    void operator()(const input_options& o) const { c["shape"] = o.shape; }
    void operator()(const dense_options& o) const
    {
        c["units"] = o.units;
        c["activation"] = o.activation;
        c["use_bias"] = o.use_bias;
        c["kernel_initializer"] = o.kernel_initializer;
        c["bias_initializer"] = o.bias_initializer;
    }
    void operator()(const dropout_options& o) const { c["rate"] = shortest_text(o.rate); }
    void operator()(const activation_options& o) const { c["activation"] = o.activation; }
    void operator()(const flatten_options&) const {}
    void operator()(const add_options&) const {}
    void operator()(const concatenate_options& o) const { c["axis"] = o.axis; }
    void operator()(const batch_normalization_options& o) const
    {
        c["axis"] = o.axis;
        c["momentum"] = shortest_text(o.momentum);
        c["epsilon"] = shortest_text(o.epsilon);
        c["center"] = o.center;
        c["scale"] = o.scale;
    }
    template <std::size_t Rank>
    static YAML::Node tuple(const std::array<std::int64_t, Rank>& a)
    {
        YAML::Node list(YAML::NodeType::Sequence);
        for (std::int64_t v : a) list.push_back(v);
        list.SetStyle(YAML::EmitterStyle::Flow);
        return list;
    }
    template <class Options>
    void window(const Options& o) const
    {
        c["kernel_size"] = tuple(o.kernel_size);
        c["strides"] = tuple(o.strides);
        c["padding"] = o.padding;
        c["data_format"] = o.data_format;
        c["dilation_rate"] = tuple(o.dilation_rate);
    }
    template <class Options>
    void output(const Options& o) const
    {
        c["activation"] = o.activation;
        c["use_bias"] = o.use_bias;
    }
    template <std::size_t Rank>
    void conv(const conv_options<Rank>& o) const
    {
        c["filters"] = o.filters;
        window(o);
        c["groups"] = o.groups;
        output(o);
        c["kernel_initializer"] = o.kernel_initializer;
        c["bias_initializer"] = o.bias_initializer;
    }
    template <std::size_t Rank>
    void pooling(const pooling_options<Rank>& o) const
    {
        c["pool_size"] = tuple(o.pool_size);
        c["strides"] = o.strides ? tuple(*o.strides) : YAML::Node(YAML::NodeType::Null);
        c["padding"] = o.padding;
        c["data_format"] = o.data_format;
    }
    void global_pooling(const global_pooling_options& o) const
    {
        c["data_format"] = o.data_format;
        c["keepdims"] = o.keepdims;
    }
    void operator()(const conv1d_options& o) const { conv(o); }
    void operator()(const conv2d_options& o) const { conv(o); }
    void operator()(const depthwise_conv2d_options& o) const
    {
        window(o);
        c["depth_multiplier"] = o.depth_multiplier;
        output(o);
        c["depthwise_initializer"] = o.depthwise_initializer;
        c["bias_initializer"] = o.bias_initializer;
    }
    void operator()(const separable_conv2d_options& o) const
    {
        c["filters"] = o.filters;
        window(o);
        c["depth_multiplier"] = o.depth_multiplier;
        output(o);
        c["depthwise_initializer"] = o.depthwise_initializer;
        c["pointwise_initializer"] = o.pointwise_initializer;
        c["bias_initializer"] = o.bias_initializer;
    }
    void operator()(const conv2d_transpose_options& o) const
    {
        c["filters"] = o.filters;
        window(o);
        output(o);
        c["kernel_initializer"] = o.kernel_initializer;
        c["bias_initializer"] = o.bias_initializer;
    }
    void operator()(const max_pooling1d_options& o) const { pooling(o); }
    void operator()(const max_pooling2d_options& o) const { pooling(o); }
    void operator()(const average_pooling1d_options& o) const { pooling(o); }
    void operator()(const average_pooling2d_options& o) const { pooling(o); }
    void operator()(const global_average_pooling1d_options& o) const { global_pooling(o); }
    void operator()(const global_average_pooling2d_options& o) const { global_pooling(o); }
    void operator()(const global_max_pooling1d_options& o) const { global_pooling(o); }
    void operator()(const global_max_pooling2d_options& o) const { global_pooling(o); }
    void operator()(const layer_normalization_options& o) const
    {
        c["axis"] = o.axis;
        c["epsilon"] = shortest_text(o.epsilon);
        c["center"] = o.center;
        c["scale"] = o.scale;
    }
    static YAML::Node border(const border_2d& b)
    {
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& axis : b) list.push_back(tuple(axis));
        list.SetStyle(YAML::EmitterStyle::Flow);
        return list;
    }
    static YAML::Node integers(const std::vector<std::int64_t>& values)
    {
        YAML::Node list(YAML::NodeType::Sequence);
        for (std::int64_t v : values) list.push_back(v);
        list.SetStyle(YAML::EmitterStyle::Flow);
        return list;
    }
    void operator()(const reshape_options& o) const { c["target_shape"] = integers(o.target_shape); }
    void operator()(const permute_options& o) const { c["dims"] = integers(o.dims); }
    void operator()(const zero_padding2d_options& o) const
    {
        c["padding"] = border(o.padding);
        c["data_format"] = o.data_format;
    }
    void operator()(const cropping2d_options& o) const
    {
        c["cropping"] = border(o.cropping);
        c["data_format"] = o.data_format;
    }
    void operator()(const up_sampling2d_options& o) const
    {
        c["size"] = tuple(o.size);
        c["data_format"] = o.data_format;
        c["interpolation"] = o.interpolation;
    }
    void operator()(const spatial_dropout2d_options& o) const
    {
        c["rate"] = shortest_text(o.rate);
        c["data_format"] = o.data_format;
    }
    void operator()(const embedding_options& o) const
    {
        c["input_dim"] = o.input_dim;
        c["output_dim"] = o.output_dim;
        c["embeddings_initializer"] = o.embeddings_initializer;
    }
    void operator()(const elu_options& o) const { c["alpha"] = shortest_text(o.alpha); }
    void operator()(const relu_options& o) const
    {
        c["max_value"] = o.max_value ? YAML::Node(shortest_text(*o.max_value)) : YAML::Node(YAML::NodeType::Null);
        c["negative_slope"] = shortest_text(o.negative_slope);
        c["threshold"] = shortest_text(o.threshold);
    }
    void operator()(const prelu_options& o) const
    {
        c["alpha_initializer"] = o.alpha_initializer;
        c["shared_axes"] = integers(o.shared_axes);
    }
    void operator()(const plugin_layer_options& o) const
    {
        for (const auto& [key, value] : o.settings) c[key] = value;
    }
};

}  // namespace

model_spec parse_model_spec(const YAML::Node& section, const std::string& file)
{
    if (!section.IsSequence() || section.size() == 0) {
        throw config_error(position(file, section) + ": model: expected a list of layers, e.g.\n"
                           "  model:\n    - Dense: {units: 10, activation: softmax, input_shape: [784]}");
    }
    model_spec spec;
    for (std::size_t i = 0; i < section.size(); ++i) {
        const layer_item item = parse_item(section[i], file, i);
        if (item.input_shape && i != 0) {
            throw config_error(position(file, item.node) + ": input_shape belongs on the first layer only");
        }
        const layer_class& cls = find_layer_class(item.class_name, position(file, item.node));
        if (cls.name == "Input" && i != 0) {
            throw config_error(position(file, item.node) + ": an Input may only be the first layer");
        }
        const std::string path = i == 0 && cls.name == "Input" ? "Input"
                                                                : "model[" + std::to_string(i) + "]." + item.class_name;
        model_layer l;
        l.layer.name = item.name;
        const YAML::Node config = check_keys(item.config, cls.keys, file, path);
        l.layer.options = decode_options(cls, config, file, path);
        if (cls.provider == "built-in") {
            read_weight_penalties(config, position(file, item.node) + ": " + path, penalties_of(l.layer.options));
            if (config["trainable"].IsDefined()) l.layer.trainable = config["trainable"].as<bool>();
            const std::string policy = config["dtype_policy"].IsDefined() ? config["dtype_policy"].as<std::string>() : "";
            if (!policy.empty()) {
                l.layer.policy = parse_dtype_policy(policy);
                if (!l.layer.policy) {
                    const YAML::Node at = item.config["dtype_policy"];
                    throw config_error(position(file, at.IsDefined() ? at : item.node) + ": " + path +
                                       ".dtype_policy: '" + policy + "' is not a dtype policy; expected one of " +
                                       "float32, mixed_bfloat16");
                }
            }
        }
        l.inputs = item.inputs;
        l.origin = position(file, item.node);
        if (i == 0 && item.input_shape && cls.name != "Input") {
            spec.input_shape = item.input_shape;
            spec.input_shape_origin = position(file, item.input_shape_node);
        }
        spec.layers.push_back(std::move(l));
    }
    return spec;
}

YAML::Node encode_layer_spec(const layer_spec& spec)
{
    YAML::Node c;
    c["name"] = spec.name;
    std::visit(settings_encoder{c}, spec.options);
    layer_options options = spec.options;  // the view points into a copy: it reads only
    write_weight_penalties(penalties_of(options), c);
    if (!spec.trainable) c["trainable"] = false;
    if (spec.policy) c["dtype_policy"] = dtype_policy_name(*spec.policy);
    // A plugin layer's settings come first, as its configuration had them.
    if (std::holds_alternative<plugin_layer_options>(spec.options)) {
        c.remove("name");
        c["name"] = spec.name;
    }
    return c;
}

YAML::Node encode_model_spec(const model_spec& spec)
{
    YAML::Node layers(YAML::NodeType::Sequence);
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const model_layer& l = spec.layers[i];
        YAML::Node config = encode_layer_spec(l.layer);
        if (i == 0 && spec.input_shape) config["input_shape"] = *spec.input_shape;
        YAML::Node item;
        item[class_name_of(l.layer.options)] = config;
        for (const std::string& input : l.inputs) item["inputs"].push_back(input);
        layers.push_back(item);
    }
    return layers;
}

std::unique_ptr<model> build_model(const YAML::Node& section, const std::string& file,
                                   const std::optional<shape>& data_sample_shape, dtype_policy policy)
{
    model_spec spec = parse_model_spec(section, file);
    spec.policy = policy;
    return build_model(spec, data_sample_shape);
}

}  // namespace mlrun
