// The YAML codec of the built-in callbacks: an experiment's resolved
// `callbacks` section (callback_schema.hpp) to callback specs, each error
// naming the file, line and column (docs/callbacks.md).
#pragma once

#include "mlrun/callbacks/callback_set.hpp"
#include "mlrun/callbacks/callback_spec.hpp"
#include "experiment/experiment.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlrun {

struct experiment_callback_specs {
    std::vector<callback_spec> specs;  // in the order they run
    std::vector<std::string> where;    // "file:line:column: callbacks.<key>" of each
};

// The specs of the resolved `callbacks` section `all` of `e` (whose
// metrics and validation say what the logs hold), as load_experiment reads
// it. Throws config_error with the file's position for a bad setting or a
// monitor the logs will not hold.
experiment_callback_specs parse_callbacks(const experiment& e, const YAML::Node& all);

// The names an epoch's logs carry for `e`: loss and the metrics, their
// val_ forms with validation, and lr when `with_learning_rate`.
std::vector<std::string> logged_names(const experiment& e, bool with_learning_rate);

// The experiment's callbacks (e.callbacks), built; durations in epochs become steps with
// `steps_per_epoch`.
std::unique_ptr<callback_set> make_experiment_callbacks(const experiment& e, std::int64_t steps_per_epoch);

}  // namespace mlrun
