// The built-in callbacks of a run, built from their specs and owned
// together: what an experiment's `callbacks` section and
// keras::fit_arguments::with_callback(spec) both make. They run in the
// order of the specs (an experiment's: lr_schedule, reduce_lr_on_plateau,
// early_stopping, csv_logger, tensorboard).
//
// Their state (best values, wait counters, learning rates) is reachable
// here for the checkpoint's training state: state() before saving,
// restore() before or during the next fit.
#pragma once

#include "mlrun/callbacks/callback_spec.hpp"
#include "mlrun/callbacks/stateful_callback.hpp"

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {

class callback_set {
public:
    // None: what a session that does not train holds.
    callback_set() = default;

    // `logged`: the names an epoch's logs carry without "lr" (loss, the
    // metrics, their val_ forms); durations in epochs count
    // `steps_per_epoch` steps. `where[i]`, when given, names spec i in
    // messages (a file position); otherwise its key does
    // ("callbacks.early_stopping"). Throws config_error for a bad setting,
    // a monitor the logs will not hold, or two callbacks that both set the
    // learning rate.
    callback_set(const std::vector<callback_spec>& specs, const std::vector<std::string>& logged,
                 std::int64_t steps_per_epoch, const std::vector<std::string>& where = {});

    // Where callbacks say what they did (early stopping, a lowered rate);
    // nullptr: nowhere. The stream must outlive its use.
    void set_messages(std::ostream* out);

    std::vector<callback*> list() const;
    // The same without the ones that write files (CSV, TensorBoard): what
    // the ranks of a distributed run other than rank 0 run.
    std::vector<callback*> list_without_file_writers() const;
    bool empty() const { return owned_.empty(); }

    // True when a callback changes the learning rate: the logs then carry
    // it as "lr", so the progress line, the CSV and TensorBoard show it.
    bool logs_learning_rate() const { return logs_learning_rate_; }

    // {state_key: state} of every stateful callback; restore() takes it back.
    callback_states state() const;
    void restore(const callback_states& saved, const std::string& source);

private:
    std::vector<std::unique_ptr<callback>> owned_;
    std::ostream messages_{nullptr};  // forwards to set_messages()'s stream
    bool logs_learning_rate_ = false;
};

// The names an epoch's logs carry for a loss and `metrics`: loss and the
// metrics, their val_ forms `with_validation`, and lr `with_learning_rate`.
std::vector<std::string> logged_names(const std::vector<std::string>& metrics, bool with_validation,
                                      bool with_learning_rate);

}  // namespace mlrun
