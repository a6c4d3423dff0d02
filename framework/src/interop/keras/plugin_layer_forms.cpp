#include "interop/keras/plugin_layer_forms.hpp"

#include "interop/keras/format_error.hpp"

#include <cmath>

namespace mlrun::interop::keras {
namespace {

const char* const common_keys[] = {"name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape"};

bool is_common_key(const std::string& key)
{
    for (const char* k : common_keys) {
        if (key == k) return true;
    }
    return false;
}

// A setting's YAML text as the JSON value its kind says.
json keras_value(const plugin_layer_form::key& key, const YAML::Node& value, const std::string& where)
{
    const std::string at = where + ": " + key.name;
    try {
        if (key.kind == "number") return value.as<double>();
        if (key.kind == "integer") return value.as<std::int64_t>();
        if (key.kind == "boolean") return value.as<bool>();
        if (key.kind == "string") return value.as<std::string>();
    } catch (const YAML::Exception&) {
        throw format_error(at + ": expected a " + key.kind + ", found '" + value.Scalar() + "'");
    }
    throw format_error(at + ": kind '" + key.kind + "'; expected number, integer, boolean or string");
}

// A Keras config value as the setting's YAML scalar.
YAML::Node setting_value(const plugin_layer_form::key& key, const json& value, const std::string& where)
{
    const std::string at = where + ": " + key.keras_name;
    const bool fits = (key.kind == "number" && value.is_number()) ||
                      (key.kind == "integer" && value.is_number_integer()) ||
                      (key.kind == "boolean" && value.is_boolean()) || (key.kind == "string" && value.is_string());
    if (!fits) throw format_error(at + ": expected a " + key.kind + ", found " + json_excerpt(value));
    if (value.is_number_float() && !std::isfinite(value.get<double>())) {
        throw format_error(at + ": expected a finite number, found " + json_excerpt(value));
    }
    return YAML::Node(scalar_text(value));
}

}  // namespace

std::vector<plugin_layer_form> parse_plugin_layer_forms(const std::string& yaml, const std::string& where)
{
    std::vector<plugin_layer_form> forms;
    try {
        const YAML::Node list = YAML::Load(yaml);
        if (!list.IsSequence()) throw format_error(where + ": expected a list of layer forms");
        for (const YAML::Node& entry : list) {
            plugin_layer_form form;
            form.class_name = entry["class"].as<std::string>();
            form.keras_class = entry["keras_class"].as<std::string>();
            for (const YAML::Node& k : entry["keys"]) {
                form.keys.push_back({k["name"].as<std::string>(), k["keras_name"].as<std::string>(),
                                     k["kind"].as<std::string>()});
            }
            if (form.class_name.empty() || form.keras_class.empty()) {
                throw format_error(where + ": a layer form without class or keras_class");
            }
            forms.push_back(std::move(form));
        }
    } catch (const YAML::Exception& e) {
        throw format_error(where + ": expected [{class, keras_class, keys: [{name, keras_name, kind}]}]: " + e.msg);
    }
    return forms;
}

std::string plugin_layer_forms_yaml(const std::vector<plugin_layer_form>& forms)
{
    YAML::Node list(YAML::NodeType::Sequence);
    for (const plugin_layer_form& form : forms) {
        YAML::Node entry;
        entry["class"] = form.class_name;
        entry["keras_class"] = form.keras_class;
        entry["keys"] = YAML::Node(YAML::NodeType::Sequence);
        for (const plugin_layer_form::key& k : form.keys) {
            YAML::Node key;
            key["name"] = k.name;
            key["keras_name"] = k.keras_name;
            key["kind"] = k.kind;
            entry["keys"].push_back(key);
        }
        list.push_back(entry);
    }
    return YAML::Dump(list);
}

const plugin_layer_form* form_of_class(const std::vector<plugin_layer_form>& forms, const std::string& class_name)
{
    for (const plugin_layer_form& f : forms) {
        if (f.class_name == class_name) return &f;
    }
    return nullptr;
}

const plugin_layer_form* form_of_keras_class(const std::vector<plugin_layer_form>& forms, const std::string& keras_class)
{
    for (const plugin_layer_form& f : forms) {
        if (f.keras_class == keras_class) return &f;
    }
    return nullptr;
}

json plugin_keras_config(const plugin_layer_form& form, const layer_spec& layer,
                         const std::vector<std::int64_t>* batch_input_shape, const std::string& where)
{
    json c = {{"name", layer.name}, {"trainable", true}};
    if (batch_input_shape != nullptr) {
        json shape = json::array({nullptr});
        for (std::int64_t d : *batch_input_shape) shape.push_back(d);
        c["batch_input_shape"] = shape;
    }
    c["dtype"] = "float32";
    for (const plugin_layer_form::key& key : form.keys) {
        const YAML::Node value = layer.config[key.name];
        if (value && value.IsScalar()) c[key.keras_name] = keras_value(key, value, where);
    }
    return c;
}

layer_spec plugin_layer_from_keras(const plugin_layer_form& form, const json& config, const std::string& where)
{
    if (!config.is_object()) throw format_error(where + ": expected a config object, found " + json_excerpt(config));
    layer_spec layer;
    layer.class_name = form.class_name;
    const json* name = member(config, "name");
    if (name == nullptr || !name->is_string() || name->get<std::string>().empty()) {
        throw format_error(where + ": the layer has no name");
    }
    layer.name = name->get<std::string>();
    if (const json* trainable = member(config, "trainable"); trainable != nullptr && *trainable != json(true)) {
        throw format_error(where + ": trainable is " + json_excerpt(*trainable) +
                           "; mlrun trains every layer (frozen layers are not supported)");
    }
    layer.config = YAML::Node(YAML::NodeType::Map);
    for (auto it = config.begin(); it != config.end(); ++it) {
        if (is_common_key(it.key())) continue;
        const plugin_layer_form::key* key = nullptr;
        for (const plugin_layer_form::key& k : form.keys) {
            if (k.keras_name == it.key()) key = &k;
        }
        if (key == nullptr) {
            throw format_error(where + ": " + form.keras_class + " has no setting '" + it.key() + "' (the " +
                               form.class_name + " layer plugin's form lists " + std::to_string(form.keys.size()) +
                               " keys)");
        }
        layer.config[key->name] = setting_value(*key, it.value(), where);
    }
    return layer;
}

}  // namespace mlrun::interop::keras
