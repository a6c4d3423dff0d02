// An experiment file: model, data, training and plugins, described in YAML
// and checked against one schema (experiment_schema()).
//
// Every error names the file, line and column. Overrides from the command
// line ("fit.epochs=3") are checked against the same schema and beat the
// file.
#pragma once

#include "config/schema.hpp"
#include "mlrun/callbacks/callback_spec.hpp"
#include "mlrun/checkpoint/checkpoint_options.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/distributed/distributed_options.hpp"
#include "mlrun/layers/dtype_policy.hpp"
#include "mlrun/losses/loss_spec.hpp"
#include "mlrun/metrics/metric_spec.hpp"
#include "mlrun/optim/optimizer_spec.hpp"
#include "mlrun/train/resume.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlrun {

// The experiment file's keys, sections as mappings with children.
const std::vector<key_spec>& experiment_schema();

// The `save` section: the whole model (or its weights) after training.
struct save_options {
    std::string path;  // empty: not saved
    bool include_optimizer = true;
    bool weights_only = false;
    std::string format;         // a format's name; "": from the path (save.format: auto)
    std::string keras_version;  // the hdf5 format's keras_version; "": the path's default (auto)
    std::string format_where;         // "file:line:col: save.format", for messages
    std::string keras_version_where;  // "file:line:col: save.keras_version"

    bool enabled() const { return !path.empty(); }
};

struct experiment {
    std::string file;       // the file named on the command line
    config_source source{""};  // where each key came from (files it extends, overrides)
    // The whole experiment with defaults filled in: what `config dump` and an
    // architecture file record, and what the ranks of a distributed run compare.
    YAML::Node resolved;

    std::uint64_t seed = 0;
    std::string backend = "reference";
    int threads = 0;  // 0: as many as the machine has cores
    bf16_mode bf16 = bf16_mode::emulate;  // backend.bf16
    std::string bf16_where;               // "file:line:col: backend.bf16", for its refusal
    std::vector<std::string> plugin_search_paths;
    distributed_options distributed;

    data_options data;

    // The layer list, parsed into a model_spec (model_yaml.hpp) when the
    // model is built: after the plugins, whose layer classes it may name.
    YAML::Node model;
    dtype_policy policy = dtype_policy::float32;  // model.dtype_policy, for layers that name none
    optimizer_spec optimizer;
    loss_spec loss;
    std::string loss_where;  // "file:line:col" of compile.loss
    std::vector<metric_spec> metrics;
    std::vector<std::string> metrics_where;  // "file:line:col: compile.metrics" of each
    std::vector<metric_spec> weighted_metrics;        // compile.weighted_metrics
    std::vector<std::string> weighted_metrics_where;  // "file:line:col: compile.weighted_metrics" of each

    int epochs = 1;
    std::int64_t batch_size = 32;
    bool shuffle = true;
    bool validate_on_test = false;
    double validation_split = 0.0;                 // fit.validation_split
    // Whether each epoch ends with a validation (val_ logs).
    bool validates() const { return validate_on_test || validation_split > 0.0; }
    std::map<std::int32_t, float> class_weight;     // fit.class_weight
    int verbose = -1;  // -1: 1 on a terminal, 2 otherwise
    int initial_epoch = 0;
    bool terminate_on_nan = true;  // fit.terminate_on_nan
    resume_mode resume = resume_mode::never;  // fit.resume with fit.resume_fallback
    bool resume_fallback = false;             // fit.resume_fallback, which also turns --resume into fallback
    bool save_on_signal = true;               // fit.on_signal: save_and_exit

    checkpoint_options checkpoint;
    // The `callbacks` section, in the order they run, with the
    // "file:line:col: callbacks.<key>" of each.
    std::vector<callback_spec> callbacks;
    std::vector<std::string> callbacks_where;

    save_options save;
};

// A data section as YAML text (a model file's training_state.data) and back.
// Reading throws config_error naming `where` when a key is missing or wrong.
std::string data_section_text(const data_options& data);
data_options read_data_text(const std::string& text, const std::string& where);

// The data section, fit.batch_size and compile's loss and metrics of an
// experiment as an architecture file or a checkpoint records it (the
// resolved experiment as YAML text).
struct recorded_data {
    data_options data;
    std::int64_t batch_size = 32;
    std::optional<loss_spec> loss;  // none when the record has no compile.loss
    std::vector<metric_spec> metrics;
    std::vector<metric_spec> weighted_metrics;
};
recorded_data read_recorded_data(const std::string& resolved_text, const std::string& where);

// Parses `path`, applies `overrides` ("section.key=value"), validates, and
// returns the typed experiment. Throws config_error.
experiment load_experiment(const std::string& path, const std::vector<std::string>& overrides);

// Applies one "a.b.c=value" override to a raw experiment tree, checking the
// key and the value's type against the schema.
void apply_override(YAML::Node& root, const std::string& assignment);

}  // namespace mlrun
