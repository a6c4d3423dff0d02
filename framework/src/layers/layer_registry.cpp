#include "mlrun/layers/layer_registry.hpp"

#include "mlrun/abi/mlrun_layer.h"
#include "config/schema.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/table_fields.hpp"
#include "mlrun/layers/plugin_layer.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "mlrun/layers/activation_layer.hpp"
#include "mlrun/layers/advanced_activations.hpp"
#include "mlrun/layers/batch_normalization.hpp"
#include "mlrun/layers/convolution.hpp"
#include "mlrun/layers/dense.hpp"
#include "mlrun/layers/dropout.hpp"
#include "mlrun/layers/embedding.hpp"
#include "mlrun/layers/layer_normalization.hpp"
#include "mlrun/layers/penalized_weights.hpp"
#include "mlrun/layers/pooling.hpp"
#include "mlrun/layers/reshaping_layers.hpp"
#include "mlrun/layers/structural_layers.hpp"
#include "mlrun/layers/weight_penalties.hpp"

#include <algorithm>
#include <cctype>

namespace mlrun {

namespace {

// The settings Keras gives every layer (trainable) and those of layers with
// weights (regularizers, constraints: penalized_weights.hpp), added in one place.
std::vector<layer_class> with_common_keys(std::vector<layer_class> classes)
{
    for (layer_class& c : classes) {
        if (c.name == "Input") continue;
        for (key_spec& k : weight_penalty_keys(c.name)) c.keys.push_back(std::move(k));
        c.keys.push_back({"trainable", value_kind::boolean, "true",
                          "false freezes the layer's weights (BatchNormalization then uses its moving statistics)"});
        c.keys.push_back({"dtype_policy", value_kind::string, "''",
                          "Keras's layer dtype: float32, or mixed_bfloat16 (products in bf16, weights float32; "
                          "docs/mixed-precision.md); empty: model.dtype_policy"});
    }
    return classes;
}

std::vector<layer_class>& mutable_classes()
{
    static std::vector<layer_class> classes = with_common_keys({
        input_layer::description(),   dense_layer::description(), dropout_layer::description(),
        activation_layer::description(), flatten_layer::description(), add_layer::description(),
        concatenate_layer::description(), batch_normalization_layer::description(),
        layer_normalization_layer::description(), conv_layer::conv1d_description(),
        conv_layer::conv2d_description(), depthwise_conv2d_layer::description(),
        separable_conv2d_layer::description(), conv2d_transpose_layer::description(),
        pooling_layer::max_pooling1d_description(), pooling_layer::max_pooling2d_description(),
        pooling_layer::average_pooling1d_description(), pooling_layer::average_pooling2d_description(),
        pooling_layer::global_max_pooling1d_description(), pooling_layer::global_max_pooling2d_description(),
        pooling_layer::global_average_pooling1d_description(), pooling_layer::global_average_pooling2d_description(),
        reshape_layer::description(), permute_layer::description(), border_layer::zero_padding2d_description(),
        border_layer::cropping2d_description(), up_sampling2d_layer::description(),
        spatial_dropout2d_layer::description(), embedding_layer::description(),
        elementwise_activation_layer::elu_description(), elementwise_activation_layer::relu_description(),
        prelu_layer::description(),
    });
    return classes;
}

// Layer plugins' classes known only by name (from their facts records):
// how to load each, until a model names it.
std::vector<std::pair<std::string, std::function<layer_class()>>>& unloaded_classes()
{
    static std::vector<std::pair<std::string, std::function<layer_class()>>> loaders;
    return loaders;
}

value_kind key_kind(const std::string& kind, const std::string& path)
{
    if (kind == "number") return value_kind::number;
    if (kind == "integer") return value_kind::integer;
    if (kind == "boolean") return value_kind::boolean;
    if (kind == "string") return value_kind::string;
    throw plugin_error(path + ": a layer key has kind '" + kind + "'; expected number, integer, boolean or string");
}

layer_class describe_plugin(const plugin_record& plugin)
{
    const auto& table = *static_cast<const mlrun_layer_table*>(plugin.descriptor().table);
    if (!has_field(table, &mlrun_layer_table::backward) || table.class_name == nullptr || table.create == nullptr ||
        table.destroy == nullptr || table.build == nullptr || table.forward == nullptr || table.backward == nullptr ||
        table.parameter_count == nullptr || table.parameter_info == nullptr || table.last_error == nullptr) {
        throw plugin_error(plugin.path + ": layer plugin '" + plugin.name + "' has an incomplete function table");
    }
    layer_class c;
    c.name = table.class_name;
    c.doc = table.doc != nullptr ? table.doc : "";
    c.provider = plugin.path;
    for (std::size_t i = 0; i < table.key_count; ++i) {
        const mlrun_layer_key& k = table.keys[i];
        if (k.name == nullptr || k.kind == nullptr) throw plugin_error(plugin.path + ": a layer key has no name or kind");
        const bool required = k.default_value == nullptr;
        c.keys.push_back({k.name, key_kind(k.kind, plugin.path), required ? "" : k.default_value,
                          k.doc != nullptr ? k.doc : "", {}, required});
    }
    c.create = [&table](const layer_spec& spec) -> std::unique_ptr<layer> {
        const auto* options = std::get_if<plugin_layer_options>(&spec.options);
        if (options == nullptr) {
            throw config_error("layer '" + spec.name + "': the " + class_name_of(spec.options) +
                               " settings do not belong to the plugin class " + table.class_name);
        }
        return std::make_unique<plugin_layer>(spec.name, table, *options);
    };
    return c;
}

}  // namespace

const std::vector<layer_class>& layer_classes() { return mutable_classes(); }

void register_layer_plugins(const plugin_registry& registry)
{
    std::vector<layer_class>& classes = mutable_classes();
    for (const plugin_record& plugin : registry.plugins()) {
        if (plugin.kind != MLRUN_PLUGIN_LAYER) continue;
        layer_class c;
        c.name = plugin.layer_class;
        c.doc = plugin.description;
        c.provider = plugin.path;
        auto same = std::find_if(classes.begin(), classes.end(), [&](const layer_class& k) { return k.name == c.name; });
        if (same != classes.end()) {
            if (same->provider == c.provider) continue;  // registered before
            throw plugin_error(plugin.path + ": layer class '" + c.name + "' is already provided by " + same->provider);
        }
        // The copy of the record keeps its library alive past the registry.
        unloaded_classes().emplace_back(c.name, [plugin] { return describe_plugin(plugin); });
        classes.push_back(std::move(c));
    }
}

const layer_class& find_layer_class(const std::string& class_name, const std::string& where)
{
    std::vector<std::string> names;
    for (layer_class& c : mutable_classes()) {
        if (c.name != class_name) {
            names.push_back(c.name);
            continue;
        }
        auto& loaders = unloaded_classes();
        const auto loader = std::find_if(loaders.begin(), loaders.end(), [&](const auto& l) { return l.first == c.name; });
        if (loader != loaders.end()) {
            c = loader->second();
            loaders.erase(loader);
        }
        return c;
    }
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    const std::string hint = did_you_mean(class_name, names);
    throw config_error(where + ": unknown layer class '" + class_name + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; known: " + list +
                       "; a class from a layer plugin needs that plugin in the plugin path (mlrun plugins lists them)");
}

// A '/' would make a weight's name a path that saves and reads back as
// another layer's.
void check_layer_name(const std::string& name, const std::string& where)
{
    const auto allowed = [](char c, bool first) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
               (!first && (c == '_' || c == '-' || c == '>'));
    };
    bool valid = !name.empty();
    for (std::size_t i = 0; valid && i < name.size(); ++i) valid = allowed(name[i], i == 0);
    if (!valid) {
        throw config_error(where + ": '" + name +
                           "' is not a layer name: expected a letter, digit or '.' and then letters, digits or "
                           "_ . - > (no '/'), as Keras requires");
    }
}

std::unique_ptr<layer> make_layer(const layer_spec& spec, const std::string& where)
{
    const std::string class_name = class_name_of(spec.options);
    const layer_class& c = find_layer_class(class_name, where);
    // A built-in class's spec names a plugin class only when that plugin is absent.
    if (c.provider == "built-in" && std::holds_alternative<plugin_layer_options>(spec.options)) {
        throw config_error(where + ": '" + class_name + "' is a built-in class; give its typed settings");
    }
    std::unique_ptr<layer> made = c.create(spec);
    made->set_trainable(spec.trainable);
    if (spec.policy) made->set_policy(*spec.policy);
    return made;
}

std::string class_name_of(const layer_options& options)
{
    struct namer {
        std::string operator()(const input_options&) const { return "Input"; }
        std::string operator()(const dense_options&) const { return "Dense"; }
        std::string operator()(const dropout_options&) const { return "Dropout"; }
        std::string operator()(const activation_options&) const { return "Activation"; }
        std::string operator()(const flatten_options&) const { return "Flatten"; }
        std::string operator()(const add_options&) const { return "Add"; }
        std::string operator()(const concatenate_options&) const { return "Concatenate"; }
        std::string operator()(const batch_normalization_options&) const { return "BatchNormalization"; }
        std::string operator()(const conv1d_options&) const { return "Conv1D"; }
        std::string operator()(const conv2d_options&) const { return "Conv2D"; }
        std::string operator()(const depthwise_conv2d_options&) const { return "DepthwiseConv2D"; }
        std::string operator()(const separable_conv2d_options&) const { return "SeparableConv2D"; }
        std::string operator()(const conv2d_transpose_options&) const { return "Conv2DTranspose"; }
        std::string operator()(const max_pooling1d_options&) const { return "MaxPooling1D"; }
        std::string operator()(const max_pooling2d_options&) const { return "MaxPooling2D"; }
        std::string operator()(const average_pooling1d_options&) const { return "AveragePooling1D"; }
        std::string operator()(const average_pooling2d_options&) const { return "AveragePooling2D"; }
        std::string operator()(const global_average_pooling1d_options&) const { return "GlobalAveragePooling1D"; }
        std::string operator()(const global_average_pooling2d_options&) const { return "GlobalAveragePooling2D"; }
        std::string operator()(const global_max_pooling1d_options&) const { return "GlobalMaxPooling1D"; }
        std::string operator()(const global_max_pooling2d_options&) const { return "GlobalMaxPooling2D"; }
        std::string operator()(const layer_normalization_options&) const { return "LayerNormalization"; }
        std::string operator()(const reshape_options&) const { return "Reshape"; }
        std::string operator()(const permute_options&) const { return "Permute"; }
        std::string operator()(const zero_padding2d_options&) const { return "ZeroPadding2D"; }
        std::string operator()(const cropping2d_options&) const { return "Cropping2D"; }
        std::string operator()(const up_sampling2d_options&) const { return "UpSampling2D"; }
        std::string operator()(const spatial_dropout2d_options&) const { return "SpatialDropout2D"; }
        std::string operator()(const embedding_options&) const { return "Embedding"; }
        std::string operator()(const elu_options&) const { return "ELU"; }
        std::string operator()(const relu_options&) const { return "ReLU"; }
        std::string operator()(const prelu_options&) const { return "PReLU"; }
        std::string operator()(const plugin_layer_options& o) const { return o.class_name; }
    };
    return std::visit(namer{}, options);
}

// Keras's snake case: an underscore before each capitalised word
// ("LeakyReLU" -> "Leaky_ReLU"), then between a lower-case letter and a
// capital ("Leaky_Re_LU"), all lower-cased: "leaky_re_lu".
std::string keras_snake_case(const std::string& name)
{
    auto upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
    auto lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
    std::string words;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (i > 0 && upper(name[i]) && i + 1 < name.size() && lower(name[i + 1])) words += '_';
        words += name[i];
    }
    std::string snake;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0 && lower(words[i - 1]) && upper(words[i])) snake += '_';
        snake += static_cast<char>(std::tolower(static_cast<unsigned char>(words[i])));
    }
    return snake;
}

std::string default_layer_name(const std::string& class_name, int index)
{
    const std::string snake = keras_snake_case(class_name);
    return index == 0 ? snake : snake + "_" + std::to_string(index);
}

std::string layer_namer::next(const std::string& class_name)
{
    // Keras numbers Input layers from 1 ("input_1"), every other class from 0.
    if (class_name == "Input") return "input_" + std::to_string(++counts_["InputLayer"]);
    return default_layer_name(class_name, counts_[class_name]++);
}

}  // namespace mlrun
