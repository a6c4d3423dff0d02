#include "interop/keras/metric_config.hpp"

#include "interop/keras/format_error.hpp"
#include "interop/keras/model_config.hpp"

namespace mlrun::interop::keras {
namespace {

// A setting mlrun keeps, its Keras key, and Keras's default (what mlrun
// leaves out of its metadata).
struct metric_setting {
    const char* key;  // the same in Keras's config and in mlrun's metadata
    json keras_default;
};

struct metric_class {
    const char* mlrun_name;  // the kind's own name in mlrun's metadata
    const char* keras_class;
    std::vector<metric_setting> settings;
};

const std::vector<metric_class>& metric_classes()
{
    static const std::vector<metric_class> table = {
        {"binary_accuracy", "BinaryAccuracy", {{"threshold", 0.5}}},
        {"categorical_accuracy", "CategoricalAccuracy", {}},
        {"sparse_categorical_accuracy", "SparseCategoricalAccuracy", {}},
        {"top_k_categorical_accuracy", "TopKCategoricalAccuracy", {{"k", 5}}},
        {"sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy", {{"k", 5}}},
        {"precision", "Precision", {{"thresholds", 0.5}}},
        {"recall", "Recall", {{"thresholds", 0.5}}},
        {"auc", "AUC", {{"num_thresholds", 200}, {"curve", "ROC"}}},
        {"mean_absolute_error", "MeanAbsoluteError", {}},
        {"mean_squared_error", "MeanSquaredError", {}},
    };
    return table;
}

// Keras's aliases, as mlrun's metric names take them.
std::string kind_of(const std::string& written)
{
    if (written == "mae") return "mean_absolute_error";
    if (written == "mse") return "mean_squared_error";
    return written;
}

const metric_class* class_named(const std::string& keras_class)
{
    for (const metric_class& c : metric_classes()) {
        if (keras_class == c.keras_class) return &c;
    }
    return nullptr;
}

const metric_class* class_of_kind(const std::string& kind)
{
    for (const metric_class& c : metric_classes()) {
        if (kind == c.mlrun_name) return &c;
    }
    return nullptr;
}

bool is_off(const json* value)
{
    return value == nullptr || value->is_null() || (value->is_boolean() && !value->get<bool>());
}

// Keras settings that change what a metric computes and that mlrun's
// metrics do not have: each must be off (null or false), or Keras's value.
void check_unsupported(const json& config, const metric_class& c, const std::string& where)
{
    for (const char* key : {"top_k", "class_id", "multi_label", "num_labels", "label_weights", "from_logits"}) {
        const json* v = member(config, key);
        if (is_off(v)) continue;
        throw format_error(where + ": " + c.keras_class + " with " + key + " = " + json_excerpt(*v) +
                           " is not supported by mlrun");
    }
    if (const json* m = member(config, "summation_method"); m != nullptr && !m->is_null() && *m != "interpolation") {
        throw format_error(where + ": " + c.keras_class + " with summation_method = " + json_excerpt(*m) +
                           " is not supported by mlrun (only interpolation)");
    }
    if (const json* t = member(config, "thresholds"); c.keras_class == std::string("AUC") && t != nullptr && !t->is_null()) {
        throw format_error(where + ": AUC with explicit thresholds " + json_excerpt(*t) +
                           " is not supported by mlrun (num_thresholds only)");
    }
}

// A Keras value of a setting as mlrun's metadata writes it; Precision's and
// Recall's thresholds may be a list of one.
json setting_value(const json& value, const metric_setting& s, const std::string& where)
{
    json v = value;
    if (v.is_array() && v.size() == 1) v = v.front();
    const bool fits = s.keras_default.is_string() ? v.is_string() : v.is_number();
    if (!fits) {
        throw format_error(where + ": " + s.key + ": expected " + (s.keras_default.is_string() ? "a name" : "one number") +
                           ", found " + json_excerpt(value));
    }
    return v;
}

YAML::Node metric_from_object(const metric_class& c, const json& config, const std::string& where)
{
    check_unsupported(config, c, where);
    YAML::Node settings(YAML::NodeType::Map);
    if (const json* name = member(config, "name"); name != nullptr && name->is_string() && *name != c.mlrun_name) {
        settings["name"] = name->get<std::string>();
    }
    for (const metric_setting& s : c.settings) {
        const json* value = member(config, s.key);
        if (value == nullptr || value->is_null()) continue;
        const json v = setting_value(*value, s, where);
        if (v == s.keras_default) continue;
        settings[s.key] = scalar_text(v);
    }
    if (settings.size() == 0) return YAML::Node(std::string(c.mlrun_name));
    YAML::Node item;
    item[c.mlrun_name] = settings;
    return item;
}

}  // namespace

void metrics_from_keras(const json& value, std::vector<YAML::Node>& items, const std::string& where)
{
    if (value.is_null()) return;
    if (value.is_string()) {
        items.emplace_back(value.get<std::string>());
        return;
    }
    if (value.is_array()) {
        for (const json& item : value) metrics_from_keras(item, items, where);
        return;
    }
    const json* cls = member(value, "class_name");
    const json* config = member(value, "config");
    if (cls != nullptr && cls->is_string()) {
        if (const metric_class* known = class_named(cls->get<std::string>())) {
            items.push_back(metric_from_object(*known, config != nullptr ? *config : json::object(), where));
            return;
        }
    }
    if (config != nullptr && member(*config, "name") != nullptr && member(*config, "name")->is_string()) {
        // tf.keras 2.10: {"class_name": "MeanMetricWrapper", "config": {"name": "accuracy", ...}}
        items.emplace_back(member(*config, "name")->get<std::string>());
    } else if (cls != nullptr && cls->is_string()) {
        items.emplace_back(snake_case_name(cls->get<std::string>()));
    } else {
        throw format_error(where + ": unreadable metric " + json_excerpt(value));
    }
}

json keras_metric(const YAML::Node& item, bool keras3_object)
{
    if (!item.IsMap() || item.size() != 1) return item.IsScalar() ? json(item.Scalar()) : json();
    const std::string written = item.begin()->first.as<std::string>();
    const YAML::Node settings = item.begin()->second;
    const metric_class* c = class_of_kind(kind_of(written));
    // accuracy has no class of its own (Keras picks the variant by the loss): its name is all Keras keeps.
    if (c == nullptr) return written;
    const YAML::Node name = settings["name"];
    json config = {{"name", name.IsDefined() && name.IsScalar() ? name.Scalar() : written}, {"dtype", "float32"}};
    for (const metric_setting& s : c->settings) {
        const YAML::Node v = settings[s.key];
        if (!v.IsDefined() || v.IsNull()) {
            // Keras writes Precision's and Recall's unset thresholds as null.
            config[s.key] = std::string(s.key) == "thresholds" ? json() : s.keras_default;
        } else if (s.keras_default.is_string()) {
            config[s.key] = v.as<std::string>();
        } else if (s.keras_default.is_number_integer()) {
            config[s.key] = v.as<std::int64_t>();
        } else {
            config[s.key] = float_for_json(v.as<float>());
        }
    }
    if (c->keras_class == std::string("Precision") || c->keras_class == std::string("Recall")) {
        config["top_k"] = nullptr;
        config["class_id"] = nullptr;
    }
    if (c->keras_class == std::string("AUC")) {
        config["summation_method"] = "interpolation";
        config["multi_label"] = false;
        config["num_labels"] = nullptr;
        config["label_weights"] = nullptr;
        config["from_logits"] = false;
    }
    if (!keras3_object) return {{"class_name", c->keras_class}, {"config", config}};
    return {{"module", "keras.metrics"}, {"class_name", c->keras_class}, {"config", config}, {"registered_name", nullptr}};
}

json keras_metrics(const std::vector<YAML::Node>& items, bool keras3_object)
{
    json list = json::array();
    for (const YAML::Node& item : items) list.push_back(keras_metric(item, keras3_object));
    return list;
}

json keras_weighted_metrics(const std::vector<YAML::Node>& items, bool keras3_object)
{
    return items.empty() ? json() : keras_metrics(items, keras3_object);
}

}  // namespace mlrun::interop::keras
