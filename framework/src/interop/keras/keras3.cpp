#include "interop/keras/keras3.hpp"
#include "interop/keras/weight_penalties.hpp"

#include "interop/keras/format_error.hpp"
#include "interop/keras/keras3_shapes.hpp"
#include "interop/keras/layers.hpp"
#include "interop/keras/metric_config.hpp"

#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace mlrun::interop::keras {
namespace {

json dtype_policy()
{
    return {{"module", "keras"},
            {"class_name", "DTypePolicy"},
            {"config", {{"name", "float32"}}},
            {"registered_name", nullptr}};
}

json batch_shape(const std::vector<std::int64_t>& shape)
{
    json list = json::array({nullptr});
    for (std::int64_t d : shape) list.push_back(d);
    return list;
}

// A tf.keras 2.x initializer object in Keras 3's form.
json keras3_object(const json& keras2, const char* module)
{
    return {{"module", module},
            {"class_name", keras2.at("class_name")},
            {"config", keras2.at("config")},
            {"registered_name", nullptr}};
}

// The settings each class has in Keras 3, in the order Keras 3 writes them
// (after name, trainable, dtype).
const std::map<std::string, std::vector<const char*>>& keras3_keys()
{
    // Conv1D and Conv2D as keras3.11.2-mnist-cnn writes them; the other
    // window classes after their get_config.
    static const std::vector<const char*> convolution = {
        "filters",          "kernel_size",      "strides",          "padding",
        "data_format",      "dilation_rate",    "groups",           "activation",
        "use_bias",         "kernel_initializer", "bias_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"};
    static const std::vector<const char*> pooling = {"pool_size", "padding", "strides", "data_format"};
    static const std::vector<const char*> global_pooling = {"data_format", "keepdims"};
    static const std::map<std::string, std::vector<const char*>> table = {
        {"Dense",
         {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
          "bias_regularizer", "kernel_constraint", "bias_constraint"}},
        {"Dropout", {"rate", "seed", "noise_shape"}},
        {"Activation", {"activation"}},
        {"Flatten", {"data_format"}},
        {"BatchNormalization",
         {"axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
          "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
          "beta_constraint", "gamma_constraint", "synchronized"}},
        {"Reshape", {"target_shape"}},
        {"Permute", {"dims"}},
        {"ZeroPadding2D", {"data_format", "padding"}},
        {"Cropping2D", {"cropping", "data_format"}},
        {"UpSampling2D", {"size", "data_format", "interpolation"}},
        {"SpatialDropout2D", {"rate", "seed", "data_format"}},
        {"Embedding",
         {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
          "embeddings_constraint", "mask_zero", "lora_rank"}},
        {"ELU", {"alpha"}},
        {"ReLU", {"max_value", "negative_slope", "threshold"}},
        {"PReLU", {"alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"}},
        {"Conv1D", convolution},
        {"Conv2D", convolution},
        {"Conv2DTranspose",
         {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias",
          "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
          "kernel_constraint", "bias_constraint"}},
        {"DepthwiseConv2D",
         {"depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
          "use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer",
          "activity_regularizer", "depthwise_constraint", "bias_constraint"}},
        {"SeparableConv2D",
         {"depth_multiplier", "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
          "activation", "use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer",
          "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
          "depthwise_constraint", "pointwise_constraint", "bias_constraint"}},
        {"MaxPooling1D", pooling},
        {"MaxPooling2D", pooling},
        {"AveragePooling1D", pooling},
        {"AveragePooling2D", pooling},
        {"GlobalMaxPooling1D", global_pooling},
        {"GlobalMaxPooling2D", global_pooling},
        {"GlobalAveragePooling1D", global_pooling},
        {"GlobalAveragePooling2D", global_pooling},
        {"LayerNormalization",
         {"axis", "epsilon", "center", "scale", "rms_scaling", "beta_initializer", "gamma_initializer",
          "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"}},
    };
    return table;
}

// The classes Keras 3 records a build_config for: those it builds on their
// first call, which are those that make weights, and Flatten (built then
// too, though it makes none: keras3.11.2-mnist-cnn). The pooling classes,
// Dropout and Activation are built when made and record none.
bool records_build_config(const std::string& class_name)
{
    static const std::set<std::string> classes = {
        "Dense",           "BatchNormalization", "Embedding", "PReLU",           "Conv1D",  "Conv2D",
        "Conv2DTranspose", "DepthwiseConv2D",    "SeparableConv2D", "LayerNormalization", "Flatten"};
    return classes.count(class_name) != 0;
}

// The classes with a Keras 3 form here, for the refusal of the others.
std::string keras3_class_list()
{
    std::string list;
    for (const auto& [name, keys] : keras3_keys()) list += (list.empty() ? "" : ", ") + name;
    return list;
}

// Keras 3 settings tf.keras 2 has no key for, at their Keras 3 defaults.
json keras3_default(const std::string& key)
{
    if (key == "synchronized" || key == "rms_scaling") return false;
    if (key == "data_format") return "channels_last";
    return nullptr;
}

// The Keras 3 settings of `layer`'s class; a class without a Keras 3 form is refused.
const std::vector<const char*>& keras3_keys_of(const layer_spec& layer, const std::string& where)
{
    const auto keys = keras3_keys().find(layer.class_name);
    if (keys == keras3_keys().end()) {
        throw format_error(where + ": layer class '" + layer.class_name +
                           "' has no Keras 3 form mlrun writes (Keras 3 files take " + keras3_class_list() +
                           " in Sequential models)");
    }
    return keys->second;
}

// `layer`'s Keras 3 config: `keys` (keras3_keys_of) taken from its tf.keras 2 config `keras2`.
json layer_config(const layer_spec& layer, const std::vector<const char*>& keys, const json& keras2,
                  const std::string& where)
{
    json c = {{"name", layer.name},
              {"trainable", keras2.at("trainable")},
              {"dtype", keras_policy(keras_policy_name(keras2, where), true)}};
    for (const char* key : keys) {
        const json* value = member(keras2, key);
        const std::string name(key);
        if (name.size() > 12 && name.compare(name.size() - 12, 12, "_regularizer") == 0) {
            c[key] = keras_regularizer(layer.config, key, true, where);
        } else if (name.size() > 11 && name.compare(name.size() - 11, 11, "_constraint") == 0) {
            c[key] = keras_constraint(layer.config, key, true, where);
        } else if (value == nullptr) {
            c[key] = keras3_default(name);
        } else if (value->is_object() && member(*value, "class_name") != nullptr) {
            c[key] = keras3_object(*value, "keras.initializers");
        } else {
            c[key] = *value;
        }
    }
    // Keras 3 writes an activity regularizer only when there is one.
    if (const json a = keras_regularizer(layer.config, "activity_regularizer", true, where); !a.is_null()) {
        c["activity_regularizer"] = a;
    }
    return c;
}

// Keras 3's optimizer config: its base settings (all off), then the class's.
json optimizer_config(const compile_spec& spec)
{
    const json keras2 = keras_training_config(spec).at("optimizer_config").at("config");
    json c = {{"name", keras3_optimizer_name(spec)}};
    c["learning_rate"] = keras2.at("learning_rate");
    for (const char* key : {"weight_decay", "clipnorm", "global_clipnorm", "clipvalue"}) c[key] = nullptr;
    c["use_ema"] = false;
    c["ema_momentum"] = 0.99;
    c["ema_overwrite_frequency"] = nullptr;
    c["loss_scale_factor"] = nullptr;
    c["gradient_accumulation_steps"] = nullptr;
    for (auto it = keras2.begin(); it != keras2.end(); ++it) {
        if (it.key() == "name" || it.key() == "learning_rate" || it.key() == "decay") continue;
        c[it.key()] = it.value();
    }
    return c;
}

// loss ... jit_compile as Keras 3 writes them, after `optimizer` when given.
json compile_body(const compile_spec& spec, const json* optimizer)
{
    json c = json::object();
    if (optimizer != nullptr) c["optimizer"] = *optimizer;
    c["loss"] = spec.loss.empty() ? json() : json(spec.loss);
    c["loss_weights"] = nullptr;
    c["metrics"] = keras_metrics(spec.metrics, true);  // names as compiled
    c["weighted_metrics"] = keras_weighted_metrics(spec.weighted_metrics, true);
    c["run_eagerly"] = false;
    c["steps_per_execution"] = 1;
    c["jit_compile"] = false;
    return c;
}

json mlrun_extras(const compile_spec& spec)
{
    const json keras2 = keras_training_config(spec);
    const json* extras = member(keras2, "mlrun");
    return extras == nullptr ? json() : *extras;
}

}  // namespace

json keras3_model_config(const model_spec& spec, keras3_form form)
{
    if (!spec.sequential) {
        throw format_error("model_config: layer '" + spec.layers.back().name +
                           "' ends a graph model; mlrun writes Keras 3 files for Sequential models only (write a "
                           "graph model for Keras 2: keras_version 2)");
    }
    check_activations_have_keras_names(spec, true);
    const bool archive = form == keras3_form::archive;
    json layers = json::array();
    json input_config = {{"batch_shape", batch_shape(spec.input_shape)},
                         {"dtype", "float32"},
                         {"sparse", false},
                         {"name", "input_layer"}};
    if (archive) {
        layers.push_back({{"module", "keras.layers"},
                          {"class_name", "InputLayer"},
                          {"config", input_config},
                          {"registered_name", nullptr}});
    } else {
        layers.push_back({{"class_name", "InputLayer"}, {"config", input_config}});
    }
    std::vector<std::int64_t> shape = spec.input_shape;
    for (const layer_spec& l : spec.layers) {
        const std::string where = "model_config: layer '" + l.name + "' (" + l.class_name + ")";
        const std::vector<const char*>& keys = keras3_keys_of(l, where);
        const json keras2 = keras_layer_config(l, nullptr, where);
        json config = layer_config(l, keys, keras2, where);
        if (!archive) {
            layers.push_back({{"class_name", l.class_name}, {"config", config}});
        } else {
            json entry = {{"module", "keras.layers"},
                          {"class_name", l.class_name},
                          {"config", config},
                          {"registered_name", nullptr}};
            // Keras 3 records the input shape of the layers it builds on their first call.
            if (records_build_config(l.class_name)) {
                entry["build_config"] = {{"input_shape", batch_shape(shape)}};
            }
            layers.push_back(entry);
        }
        shape = keras3_output_shape(l, keras2, shape, where);
    }
    json config = {{"name", spec.name.empty() ? "sequential" : spec.name},
                   {"trainable", true},
                   {"dtype", dtype_policy()},
                   {"layers", layers},
                   {"build_input_shape", batch_shape(spec.input_shape)}};
    if (!archive) return {{"class_name", "Sequential"}, {"config", config}};
    return {{"module", "keras"},
            {"class_name", "Sequential"},
            {"config", config},
            {"registered_name", nullptr},
            {"build_config", {{"input_shape", batch_shape(spec.input_shape)}}}};
}

json keras3_training_config(const compile_spec& spec)
{
    json c = compile_body(spec, nullptr);
    c["optimizer_config"] = {{"class_name", spec.optimizer_class}, {"config", optimizer_config(spec)}};
    if (json extras = mlrun_extras(spec); !extras.is_null()) c["mlrun"] = extras;
    return c;
}

json keras3_compile_config(const compile_spec& spec)
{
    const json optimizer = {{"module", "keras.optimizers"},
                            {"class_name", spec.optimizer_class},
                            {"config", optimizer_config(spec)},
                            {"registered_name", nullptr}};
    json c = compile_body(spec, &optimizer);
    if (json extras = mlrun_extras(spec); !extras.is_null()) c["mlrun"] = extras;
    return c;
}

std::vector<std::pair<std::string, std::string>> keras3_layer_keys(const model_spec& spec)
{
    std::map<std::string, std::string> class_of;
    for (const layer_spec& l : spec.layers) class_of[l.name] = l.class_name;
    if (!spec.sequential) class_of[spec.input_name] = "InputLayer";
    std::map<std::string, int> used;
    std::vector<std::pair<std::string, std::string>> keys;
    for (const std::string& name : keras_layer_names(spec)) {
        const std::string snake = snake_case_name(class_of[name]);
        const int n = used[snake]++;
        keys.emplace_back(n == 0 ? snake : snake + "_" + std::to_string(n), name);
    }
    return keys;
}

std::string keras3_model_name(const model_spec& spec)
{
    if (!spec.name.empty()) return spec.name;
    return spec.sequential ? "sequential" : "functional";
}

staged_tensor keras3_learning_rate(const compile_spec& spec)
{
    const YAML::Node rate = spec.optimizer_settings["learning_rate"];
    const float value = rate.IsDefined() && !rate.IsNull() ? rate.as<float>() : 0.001f;
    staged_tensor t;
    t.name = "learning_rate";
    t.dtype = MLRUN_DTYPE_FLOAT32;
    t.bytes.resize(sizeof value);
    std::memcpy(t.bytes.data(), &value, sizeof value);
    return t;
}

std::unique_ptr<staged_tensor> keras3_u_product(const compile_spec& spec, const staged_tensor& iterations)
{
    if (spec.optimizer_class != "Nadam") return nullptr;
    const YAML::Node beta = spec.optimizer_settings["beta_1"];
    const float beta_1 = beta.IsDefined() && !beta.IsNull() ? beta.as<float>() : 0.9f;
    std::int64_t steps = 0;
    if (iterations.bytes.size() == sizeof steps) std::memcpy(&steps, iterations.bytes.data(), sizeof steps);
    float product = 1.0f;  // in float32 and in step order, as Keras accumulates it
    for (std::int64_t s = 1; s <= steps; ++s) product *= beta_1 * (1.0f - 0.5f * std::pow(0.96f, static_cast<float>(s)));
    auto t = std::make_unique<staged_tensor>();
    t->name = "u_product";
    t->dtype = MLRUN_DTYPE_FLOAT32;
    t->bytes.resize(sizeof product);
    std::memcpy(t->bytes.data(), &product, sizeof product);
    return t;
}

std::string keras3_optimizer_name(const compile_spec& spec)
{
    std::string name = spec.optimizer_class;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

bool keras3_slots_interleaved(const std::string& optimizer_class)
{
    for (const char* c : {"Adam", "AdamW", "Nadam", "Adadelta", "Adamax"}) {
        if (optimizer_class == c) return true;
    }
    return false;
}

std::vector<std::pair<std::string, std::string>> keras3_optimizer_variables(const std::vector<std::string>& weights,
                                                                           const compile_spec& spec)
{
    const std::map<std::string, std::string> words = {{"m", "momentum"},      {"v", "velocity"},
                                                      {"vhat", "velocity_hat"}, {"momentum", "momentum"},
                                                      {"rms", "velocity"},    {"mg", "average_gradient"},
                                                      {"velocity", "velocity"}, {"accumulator", "accumulator"},
                                                      {"accumulated_grad", "accumulated_grad"},
                                                      {"accumulated_delta_var", "accumulated_delta_var"},
                                                      {"norm", "norm"}};
    const std::vector<std::string> slots = spec.slot_names();
    std::vector<std::pair<std::string, std::string>> vars;
    auto add = [&](const std::string& weight, const std::string& slot) {
        vars.emplace_back(std::string(optimizer_prefix) + weight + "/" + slot, words.at(slot));
    };
    if (spec.optimizer_class == "Adam" || spec.optimizer_class == "AdamW") {
        for (const std::string& w : weights) {
            add(w, "m");
            add(w, "v");
        }
        if (slots.size() == 3) {
            for (const std::string& w : weights) add(w, "vhat");
        }
        return vars;
    }
    if (keras3_slots_interleaved(spec.optimizer_class)) {
        for (const std::string& w : weights) {
            for (const std::string& slot : slots) add(w, slot);
        }
        return vars;
    }
    for (const std::string& slot : slots) {
        for (const std::string& w : weights) add(w, slot);
    }
    return vars;
}

}  // namespace mlrun::interop::keras
