#include "mlrun/metrics/metric_spec.hpp"

#include "mlrun/core/error.hpp"

#include <algorithm>

namespace mlrun {
namespace {

struct named_metric {
    const char* name;
    metric_kind kind;
};

// Keras's names, each kind's own first, then its aliases.
constexpr named_metric known[] = {
    {"accuracy", metric_kind::accuracy},
    {"binary_accuracy", metric_kind::binary_accuracy},
    {"categorical_accuracy", metric_kind::categorical_accuracy},
    {"sparse_categorical_accuracy", metric_kind::sparse_categorical_accuracy},
    {"top_k_categorical_accuracy", metric_kind::top_k_categorical_accuracy},
    {"sparse_top_k_categorical_accuracy", metric_kind::sparse_top_k_categorical_accuracy},
    {"precision", metric_kind::precision},
    {"recall", metric_kind::recall},
    {"auc", metric_kind::auc},
    {"mean_absolute_error", metric_kind::mean_absolute_error},
    {"mean_squared_error", metric_kind::mean_squared_error},
    {"acc", metric_kind::accuracy},
    {"mae", metric_kind::mean_absolute_error},
    {"mse", metric_kind::mean_squared_error},
};

metric_kind parse_kind(const std::string& name)
{
    for (const auto& m : known) {
        if (name == m.name) return m.kind;
    }
    std::string list;
    for (const auto& m : known) list += std::string(list.empty() ? "" : ", ") + m.name;
    throw config_error("unknown metric '" + name + "'; known: " + list);
}

}  // namespace

metric_spec::metric_spec(metric_kind k) : kind(k), name(metric_kind_name(k)) {}
metric_spec::metric_spec(const char* keras_name) : metric_spec(std::string(keras_name)) {}
metric_spec::metric_spec(const std::string& keras_name) : kind(parse_kind(keras_name)), name(keras_name) {}

bool operator==(const metric_spec& a, const metric_spec& b)
{
    return a.kind == b.kind && a.name == b.name && a.threshold == b.threshold && a.k == b.k &&
           a.num_thresholds == b.num_thresholds && a.curve == b.curve;
}

std::vector<std::string> metric_names()
{
    std::vector<std::string> names;
    for (const auto& m : known) names.emplace_back(m.name);
    return names;
}

std::string metric_kind_name(metric_kind kind)
{
    for (const auto& m : known) {
        if (m.kind == kind) return m.name;
    }
    return "";
}

std::vector<std::string> metric_log_names(const std::vector<metric_spec>& specs)
{
    std::vector<std::string> names;
    for (const metric_spec& s : specs) names.push_back(s.name);
    return names;
}

std::vector<std::string> metric_log_names(const std::vector<metric_spec>& metrics,
                                          const std::vector<metric_spec>& weighted_metrics)
{
    std::vector<std::string> names = metric_log_names(metrics);
    const auto taken = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); };
    for (const metric_spec& s : weighted_metrics) {
        std::string name = s.name;
        if (taken(name)) {
            const std::string prefixed = "weighted_" + s.name;
            name = prefixed;
            for (int index = 1; taken(name); ++index) name = prefixed + "_" + std::to_string(index);
        }
        names.push_back(name);
    }
    return names;
}

bool takes_threshold(metric_kind kind)
{
    return kind == metric_kind::binary_accuracy || kind == metric_kind::precision || kind == metric_kind::recall;
}

bool takes_k(metric_kind kind)
{
    return kind == metric_kind::top_k_categorical_accuracy || kind == metric_kind::sparse_top_k_categorical_accuracy;
}

bool takes_auc_settings(metric_kind kind) { return kind == metric_kind::auc; }

void check_metric_spec(const metric_spec& spec)
{
    const metric_spec defaults;
    const std::string what = "metric " + spec.name;
    if (spec.name.empty()) throw config_error("metric " + metric_kind_name(spec.kind) + ": the name is empty");
    if (spec.threshold != defaults.threshold && !takes_threshold(spec.kind)) {
        throw config_error(what + " has no threshold setting");
    }
    if (!(spec.threshold >= 0.0f && spec.threshold <= 1.0f)) {
        throw config_error(what + ": threshold must be in [0, 1], found " + std::to_string(spec.threshold));
    }
    if (spec.k != defaults.k && !takes_k(spec.kind)) throw config_error(what + " has no k setting");
    if (spec.k < 1) throw config_error(what + ": k must be at least 1, found " + std::to_string(spec.k));
    if ((spec.num_thresholds != defaults.num_thresholds || spec.curve != defaults.curve) &&
        !takes_auc_settings(spec.kind)) {
        throw config_error(what + " has no num_thresholds or curve setting");
    }
    if (spec.num_thresholds < 2) {
        throw config_error(what + ": num_thresholds must be more than 1, found " + std::to_string(spec.num_thresholds));
    }
}

}  // namespace mlrun
