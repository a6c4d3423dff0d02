// How a model was compiled, between Keras's `training_config` JSON (or
// Keras 3's compile_config) and the framework's metadata: the optimizer
// with its settings, the loss, the metrics, and what mlrun itself keeps
// to go on training (its training state).
#pragma once

#include "interop/keras/json.hpp"
#include "interop/keras/staged_checkpoint.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace mlrun::interop::keras {

struct compile_spec {
    std::string optimizer_class;       // Keras's class name (Adam, SGD, RMSprop); empty: none
    YAML::Node optimizer_settings;     // in mlrun's keys: learning_rate, beta_1, ...
    std::string loss;                  // empty: none
    // Each a name or a mapping of a name to its settings, as the metrics
    // metadata writes them (metric_config.hpp).
    std::vector<YAML::Node> metrics;
    std::vector<YAML::Node> weighted_metrics;  // the same, for Keras's weighted_metrics
    std::string training_state;        // YAML text mlrun stored; empty: none
    std::string mlrun_version;
    std::string tensor_crc32c;         // YAML text: mlrun's end-to-end checksums of the tensors; empty: none
    std::string backend;
    std::string experiment;            // the resolved experiment that made the model (YAML text); empty: unknown

    // The optimizer's slots per weight in Keras's (and mlrun's) order:
    // m, v (and vhat with AMSGrad) for Adam.
    std::vector<std::string> slot_names() const;
};

// Reads Keras's training_config (all Keras versions) or, with
// `optimizer_key` "optimizer", a Keras 3 compile_config. Refuses settings
// mlrun's optimizers cannot reproduce (decay, clipping, EMA...).
compile_spec compile_from_keras(const json& config, const char* optimizer_key, const std::string& where);

// Reads the framework's metadata (optimizer_config, loss, metrics,
// training_state, mlrun_version, backend).
compile_spec compile_from_metadata(const staged_checkpoint& ckpt);

// The training_config tf.keras 2.x writes; mlrun's own state rides along
// under the key "mlrun", which Keras's loaders ignore.
json keras_training_config(const compile_spec& spec);

// Sets the framework's metadata keys from `spec`.
void put_compile_metadata(const compile_spec& spec, staged_checkpoint& out);

}  // namespace mlrun::interop::keras
