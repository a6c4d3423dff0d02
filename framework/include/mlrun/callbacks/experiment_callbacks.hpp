// The callbacks an experiment's `callbacks` section switches on, built and
// owned together. They run in this order: lr_schedule,
// reduce_lr_on_plateau, early_stopping, csv_logger, tensorboard.
//
// Their state (best values, wait counters, learning rates) is reachable
// here for the checkpoint's training state: state() before saving,
// restore() before or during the next fit.
#pragma once

#include "mlrun/callbacks/stateful_callback.hpp"
#include "mlrun/config/experiment.hpp"

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {

class experiment_callbacks {
public:
    // None: what a session that does not train holds.
    experiment_callbacks() = default;

    // Builds the callbacks of `e.resolved["callbacks"]`; durations in epochs
    // become steps with `steps_per_epoch`. Throws config_error with the
    // file's position for a bad setting or a monitor the logs will not hold.
    experiment_callbacks(const experiment& e, std::int64_t steps_per_epoch);

    // Where callbacks say what they did (early stopping, a lowered rate);
    // nullptr: nowhere. The stream must outlive its use.
    void set_messages(std::ostream* out);

    std::vector<callback*> list() const;
    bool empty() const { return owned_.empty(); }

    // True when a callback changes the learning rate: the logs then carry
    // it as "lr", so the progress line, the CSV and TensorBoard show it.
    bool logs_learning_rate() const { return logs_learning_rate_; }

    // {state_key: state} of every stateful callback; restore() takes it back.
    YAML::Node state() const;
    void restore(const YAML::Node& saved, const std::string& source);

private:
    std::vector<std::unique_ptr<callback>> owned_;
    std::ostream messages_{nullptr};  // forwards to set_messages()'s stream
    bool logs_learning_rate_ = false;
};

// The names an epoch's logs carry for `e`: loss and the metrics, their
// val_ forms with validation, and lr when `with_learning_rate`.
std::vector<std::string> logged_names(const experiment& e, bool with_learning_rate);

}  // namespace mlrun
