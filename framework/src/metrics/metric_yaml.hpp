// The YAML encoding of metric_spec: the items of `compile.metrics` in an
// experiment file and the metrics metadata of checkpoints. A name
// ("accuracy", "mae") or a mapping of one name to its settings
// ({auc: {curve: PR, num_thresholds: 100}}).
#pragma once

#include "config/schema.hpp"
#include "mlrun/metrics/metric_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace mlrun {

// The settings of a metric kind as Keras's class names them, for parsing
// and for `mlrun config keys`.
std::vector<key_spec> metric_keys(metric_kind kind);

// One item. Throws config_error "file:line:column: compile.metrics: ..."
// (`key`: compile.metrics or compile.weighted_metrics, which take the same
// items) for an unknown name (with a suggestion) or setting.
metric_spec parse_metric_spec(const YAML::Node& node, const std::string& file,
                              const std::string& key = "compile.metrics");
// A list of items (compile.metrics); a name logged twice is an error.
std::vector<metric_spec> parse_metric_specs(const YAML::Node& list, const std::string& file,
                                            const std::string& key = "compile.metrics");

// The name alone when the settings are Keras's defaults, else the mapping.
YAML::Node encode_metric_spec(const metric_spec& spec);
// The list as metadata keeps it (YAML text), and back.
std::string metrics_text(const std::vector<metric_spec>& specs);
std::vector<metric_spec> parse_metrics_text(const std::string& text, const std::string& where);

}  // namespace mlrun
