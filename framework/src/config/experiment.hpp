// An experiment file: model, data, training and plugins, described in YAML
// and checked against one schema (experiment_schema()).
//
// Every error names the file, line and column. Overrides from the command
// line ("fit.epochs=3") are checked against the same schema and beat the
// file.
#pragma once

#include "config/schema.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/losses/loss_spec.hpp"
#include "mlrun/metrics/metric_spec.hpp"
#include "mlrun/optim/optimizer_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mlrun {

// The experiment file's keys, sections as mappings with children.
const std::vector<key_spec>& experiment_schema();

struct experiment {
    std::string file;       // the file named on the command line
    config_source source{""};  // where each key came from (files it extends, overrides)
    YAML::Node resolved;    // the whole experiment with defaults filled in

    std::uint64_t seed = 0;
    std::string backend = "reference";
    int threads = 0;  // 0: as many as the machine has cores
    std::vector<std::string> plugin_search_paths;

    data_options data;

    // The layer list, parsed into a model_spec (model_yaml.hpp) when the
    // model is built: after the plugins, whose layer classes it may name.
    YAML::Node model;
    optimizer_spec optimizer;
    loss_spec loss;
    std::vector<metric_spec> metrics;

    int epochs = 1;
    std::int64_t batch_size = 32;
    bool shuffle = true;
    bool validate_on_test = false;
    int verbose = -1;  // -1: 1 on a terminal, 2 otherwise
    int initial_epoch = 0;
    bool terminate_on_nan = true;  // fit.terminate_on_nan

    // save: the whole model after training (empty path: not saved)
    std::string save_path;
    bool save_include_optimizer = true;
    bool save_weights_only = false;
    std::string save_format;  // a format's name; "": from the path (save.format: auto)
    std::string save_keras_version;  // the hdf5 format's keras_version; "": the path's default (auto)
};

// The data options of a resolved `data` section (defaults filled in, as
// load_experiment keeps it in `resolved`). Throws config_error naming `file`.
data_options read_data_section(const YAML::Node& data, const std::string& file);

// Parses `path`, applies `overrides` ("section.key=value"), validates, and
// returns the typed experiment. Throws config_error.
experiment load_experiment(const std::string& path, const std::vector<std::string>& overrides);

// Applies one "a.b.c=value" override to a raw experiment tree, checking the
// key and the value's type against the schema.
void apply_override(YAML::Node& root, const std::string& assignment);

}  // namespace mlrun
