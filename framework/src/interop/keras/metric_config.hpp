// Metrics, between Keras's compile settings (a name, or a metric object
// with its class and config) and mlrun's metrics metadata, whose items are
// a name ("accuracy") or a mapping of a name to the settings that are not
// Keras's defaults ({top_k_categorical_accuracy: {k: 3}}), as
// metrics/metric_yaml.hpp writes them.
#pragma once

#include "interop/keras/json.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace mlrun::interop::keras {

// Appends the metrics of a Keras `metrics` value (a name, a metric object,
// or lists of them, as each Keras generation nests them) to `items`.
// Refuses, naming the setting, a metric object mlrun would compute
// differently (Precision's top_k or class_id, a multi-label AUC, ...).
void metrics_from_keras(const json& value, std::vector<YAML::Node>& items, const std::string& where);

// One metadata item as Keras writes it: the name alone when it has no
// settings, else the metric object (`keras3_object`: with Keras 3's
// module and registered_name).
json keras_metric(const YAML::Node& item, bool keras3_object);
// The list of them, as compile's `metrics`.
json keras_metrics(const std::vector<YAML::Node>& items, bool keras3_object);
// The same for `weighted_metrics`, which Keras writes as null when empty.
json keras_weighted_metrics(const std::vector<YAML::Node>& items, bool keras3_object);

}  // namespace mlrun::interop::keras
