// The in-memory checkpoint every format maps to its own layout: ordered
// named tensors plus string metadata. docs/checkpoint.md lists the names.
#pragma once

#include "mlrun/core/tensor.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {

// Metadata keys.
namespace checkpoint_keys {
inline constexpr const char* model_config = "model_config";          // the layer list, as experiment YAML
inline constexpr const char* optimizer_config = "optimizer_config";  // {name: adam, config: {...}} as YAML
inline constexpr const char* loss = "loss";
inline constexpr const char* metrics = "metrics";                    // YAML list
inline constexpr const char* weighted_metrics = "weighted_metrics";  // YAML list, as metrics
inline constexpr const char* training_state = "training_state";      // YAML: epoch, seed, ...
inline constexpr const char* mlrun_version = "mlrun_version";
inline constexpr const char* backend = "backend";
inline constexpr const char* experiment = "experiment";              // the resolved experiment that made it, as YAML
// The Keras forms of the model's plugin layers (abi/mlrun_layer.h), as YAML:
// [{class: C, keras_class: K, keys: [{name: n, keras_name: k, kind: number}]}].
// Present only when the model has such layers; read by the Keras formats.
inline constexpr const char* keras_layer_forms = "keras_layer_forms";
}  // namespace checkpoint_keys

// Tensor names: "<layer>/<weight>" for weights ("dense/kernel"), in model
// order; "optimizer/iterations" (int64 scalar); optimizer slots as
// "optimizer/<layer>/<weight>/<slot>" ("optimizer/dense/kernel/m").
struct checkpoint {
    std::vector<std::pair<std::string, tensor>> tensors;
    std::map<std::string, std::string> metadata;

    // The tensor called `name`, or nullptr.
    const tensor* find(const std::string& name) const;
    tensor* find(const std::string& name);
};

}  // namespace mlrun
