// A metric as a value: its Keras kind, the name it is logged under and
// the settings Keras gives it, with Keras's names and defaults. A metric
// is made from one (metrics/metric.hpp); experiment files write it as a
// name or a mapping of a name to its settings (compile.metrics: [accuracy,
// {auc: {curve: PR}}]).
//
//     metric_spec auc = metric_kind::auc;
//     auc.curve = auc_curve::pr;
#pragma once

#include <string>
#include <vector>

namespace mlrun {

enum class metric_kind {
    accuracy,  // the variant that fits the loss, as Keras's "accuracy"
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    precision,
    recall,
    auc,
    mean_absolute_error,
    mean_squared_error,
};

enum class auc_curve { roc, pr };

struct metric_spec {
    // Implicit: a kind alone is the metric with Keras's defaults and name.
    metric_spec(metric_kind k = metric_kind::accuracy);
    // Implicit: a Keras name or alias ("acc", "mae"), logged as written;
    // throws config_error for an unknown one.
    metric_spec(const char* keras_name);
    metric_spec(const std::string& keras_name);

    metric_kind kind;
    // The name in logs, history, CSV and progress (validation adds "val_").
    std::string name;
    // binary_accuracy (Keras's threshold), precision and recall (Keras's
    // thresholds): a prediction above it counts as positive.
    float threshold = 0.5f;
    // top_k_categorical_accuracy and its sparse variant.
    int k = 5;
    // auc: the thresholds the curve is sampled at, and which curve.
    int num_thresholds = 200;
    auc_curve curve = auc_curve::roc;
};

bool operator==(const metric_spec& a, const metric_spec& b);

// The names Keras accepts in compile(metrics=[...]), aliases included.
std::vector<std::string> metric_names();
// The kind's own Keras name ("top_k_categorical_accuracy", "auc").
std::string metric_kind_name(metric_kind kind);

// The names the metrics are logged under, in order.
std::vector<std::string> metric_log_names(const std::vector<metric_spec>& specs);
// compile's metrics, then its weighted_metrics, as Keras 3 logs them: a
// weighted metric whose name is taken already is logged as
// "weighted_<name>" (and "weighted_<name>_1", ... when that is taken too).
std::vector<std::string> metric_log_names(const std::vector<metric_spec>& metrics,
                                          const std::vector<metric_spec>& weighted_metrics);

// Whether the kind takes the setting, as Keras's class does.
bool takes_threshold(metric_kind kind);
bool takes_k(metric_kind kind);
bool takes_auc_settings(metric_kind kind);

// Throws config_error naming the metric for a setting it does not take or
// a value out of range (threshold in [0, 1], k >= 1, num_thresholds > 1).
void check_metric_spec(const metric_spec& spec);

// The metric as checkpoint metadata keeps it: its name, or with settings
// other than the defaults a YAML mapping in flow style.
std::string metric_text(const metric_spec& spec);
// Reads metric_text back; `where` names the source in errors (config_error).
metric_spec parse_metric_text(const std::string& text, const std::string& where);

}  // namespace mlrun
