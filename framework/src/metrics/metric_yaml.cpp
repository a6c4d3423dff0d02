#include "metrics/metric_yaml.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"

#include <limits>

namespace mlrun {

std::vector<key_spec> metric_keys(metric_kind kind)
{
    std::vector<key_spec> keys;
    keys.push_back({"name", value_kind::string, "''", "logged as this (default: the name written)"});
    if (takes_threshold(kind)) {
        keys.push_back(with_range({kind == metric_kind::binary_accuracy ? "threshold" : "thresholds",
                                   value_kind::number, "0.5", "a prediction above this counts as positive"},
                                  {0, false, 1, false}));
    }
    if (takes_k(kind)) {
        keys.push_back(with_range({"k", value_kind::integer, "5", "the true class must be among the k best"},
                                  {1, false, std::numeric_limits<double>::infinity(), false}));
    }
    if (takes_auc_settings(kind)) {
        keys.push_back(with_range({"num_thresholds", value_kind::integer, "200",
                                   "thresholds the curve is sampled at (0 - epsilon, evenly inside, 1 + epsilon)"},
                                  {2, false, 100000, false}));
        keys.push_back({"curve", value_kind::string, "ROC", "ROC (true vs false positive rate) or PR (precision vs recall)",
                        {"ROC", "PR"}});
        keys.push_back({"summation_method", value_kind::string, "interpolation",
                        "how the area is summed (Keras's interpolation only)", {"interpolation"}});
    }
    return keys;
}

metric_spec parse_metric_spec(const YAML::Node& node, const std::string& file, const std::string& key)
{
    std::string written;
    YAML::Node settings;
    if (node.IsScalar()) {
        written = node.Scalar();
    } else if (node.IsMap() && node.size() == 1) {
        written = node.begin()->first.Scalar();
        settings = node.begin()->second;
    } else {
        throw config_error(position(file, node) +
                           ": " + key + ": expected a name such as 'accuracy' or a mapping such as "
                           "'{auc: {curve: PR}}'");
    }
    metric_spec spec;
    try {
        spec = metric_spec(written);
    } catch (const config_error& e) {
        const std::string hint = did_you_mean(written, metric_names());
        throw config_error(position(file, node) + ": " + key + ": " + e.what() +
                           (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    const YAML::Node c = check_keys(settings, metric_keys(spec.kind), file, key + "." + written);
    if (const std::string name = c["name"].as<std::string>(); !name.empty()) spec.name = name;
    if (takes_threshold(spec.kind)) {
        spec.threshold = c[spec.kind == metric_kind::binary_accuracy ? "threshold" : "thresholds"].as<float>();
    }
    if (takes_k(spec.kind)) spec.k = c["k"].as<int>();
    if (takes_auc_settings(spec.kind)) {
        spec.num_thresholds = c["num_thresholds"].as<int>();
        spec.curve = c["curve"].as<std::string>() == "PR" ? auc_curve::pr : auc_curve::roc;
    }
    try {
        check_metric_spec(spec);
    } catch (const config_error& e) {
        throw config_error(position(file, node) + ": " + key + ": " + e.what());
    }
    return spec;
}

std::vector<metric_spec> parse_metric_specs(const YAML::Node& list, const std::string& file, const std::string& key)
{
    std::vector<metric_spec> specs;
    if (!list.IsDefined() || list.IsNull()) return specs;
    if (!list.IsSequence()) {
        throw config_error(position(file, list) + ": " + key + ": expected a list such as [accuracy, auc]");
    }
    for (const YAML::Node& item : list) {
        metric_spec spec = parse_metric_spec(item, file, key);
        for (const metric_spec& earlier : specs) {
            if (earlier.name == spec.name) {
                throw config_error(position(file, item) + ": " + key + ": '" + spec.name +
                                   "' is logged twice; give one a name: {" + metric_kind_name(spec.kind) +
                                   ": {name: other_" + spec.name + "}}");
            }
        }
        specs.push_back(std::move(spec));
    }
    return specs;
}

YAML::Node encode_metric_spec(const metric_spec& spec)
{
    const metric_spec defaults(spec.kind);
    // Written under its logged name when that is a Keras name of the kind ("acc").
    bool keras_name = false;
    try {
        keras_name = metric_spec(spec.name).kind == spec.kind;
    } catch (const config_error&) {
        keras_name = false;
    }
    const std::string written = keras_name ? spec.name : metric_kind_name(spec.kind);
    YAML::Node settings(YAML::NodeType::Map);
    if (spec.name != written) settings["name"] = spec.name;
    if (takes_threshold(spec.kind) && spec.threshold != defaults.threshold) {
        settings[spec.kind == metric_kind::binary_accuracy ? "threshold" : "thresholds"] = shortest_text(spec.threshold);
    }
    if (takes_k(spec.kind) && spec.k != defaults.k) settings["k"] = spec.k;
    if (takes_auc_settings(spec.kind)) {
        if (spec.num_thresholds != defaults.num_thresholds) settings["num_thresholds"] = spec.num_thresholds;
        if (spec.curve != defaults.curve) settings["curve"] = spec.curve == auc_curve::pr ? "PR" : "ROC";
    }
    if (settings.size() == 0) return YAML::Node(written);
    YAML::Node node;
    node[written] = settings;
    return node;
}

std::string metrics_text(const std::vector<metric_spec>& specs)
{
    YAML::Node list(YAML::NodeType::Sequence);
    for (const metric_spec& spec : specs) list.push_back(encode_metric_spec(spec));
    return YAML::Dump(list);
}

std::vector<metric_spec> parse_metrics_text(const std::string& text, const std::string& where)
{
    YAML::Node node;
    try {
        node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw config_error(where + ": metrics '" + text + "' are not readable: " + e.msg);
    }
    return parse_metric_specs(node, where);
}

std::string metric_text(const metric_spec& spec)
{
    YAML::Emitter out;
    out << YAML::Flow << encode_metric_spec(spec);
    return out.c_str();
}

metric_spec parse_metric_text(const std::string& text, const std::string& where)
{
    YAML::Node node;
    try {
        node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw config_error(where + ": metric '" + text + "' is not readable: " + e.msg);
    }
    return parse_metric_spec(node, where);
}

}  // namespace mlrun
