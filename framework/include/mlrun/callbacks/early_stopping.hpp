// EarlyStopping: stop training when a monitored value stops improving, with
// Keras's semantics for every setting.
//
// Each epoch from start_from_epoch on: the wait counter grows by one; an
// improvement over the best value (by more than min_delta) records a new
// best and resets the counter, but only when it also beats the baseline.
// Once the counter reaches patience (and never on the first epoch),
// training stops. With restore_best_weights the weights of the best epoch
// are put back when training ends, stopped early or not.
#pragma once

#include "mlrun/callbacks/monitored_quantity.hpp"
#include "mlrun/callbacks/stateful_callback.hpp"
#include "mlrun/core/tensor.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {

// Keras's EarlyStopping keyword arguments and defaults (verbose is the
// run's: messages go where the progress goes).
struct early_stopping_options {
    std::string monitor = "val_loss";
    monitor_mode mode = monitor_mode::automatic;
    double min_delta = 0.0;
    int patience = 0;
    std::optional<double> baseline;
    bool restore_best_weights = false;
    int start_from_epoch = 0;  // 0-based: epochs before it are not watched
};

class early_stopping final : public stateful_callback {
public:
    // `messages` (may be null) receives the line saying when and why
    // training stopped. Throws config_error naming `where` for a bad setting.
    early_stopping(const early_stopping_options& options, std::ostream* messages,
                   const std::string& where = "callbacks.early_stopping");

    void on_train_begin(trainer& t) override;
    void on_epoch_end(trainer& t, int epoch, const metric_logs& logs) override;
    void on_train_end(trainer& t, const metric_logs& logs) override;

    std::string state_key() const override { return "early_stopping"; }
    // {best, best_epoch, wait}. The best epoch's weights are not part of it
    // (tensors, not a few numbers): after a restore, restore_best_weights
    // puts back the weights of a better epoch found since, and otherwise
    // keeps the last weights and says so.
    callback_state state() const override;
    void restore(const callback_state& state, const std::string& source) override;

    // 0-based epoch training stopped at, or -1 while it has not.
    int stopped_epoch() const { return stopped_epoch_; }
    int best_epoch() const { return best_epoch_; }
    double best() const { return best_; }
    int wait() const { return wait_; }
    // Why training stopped, in words ("" while it has not).
    const std::string& reason() const { return reason_; }

private:
    void reset();
    void snapshot_weights(trainer& t);

    early_stopping_options options_;
    monitored_quantity monitor_;
    std::ostream* messages_;
    double best_;
    int best_epoch_ = -1;
    int wait_ = 0;
    int stopped_epoch_ = -1;
    std::string reason_;
    std::vector<tensor> best_weights_;
    bool restored_ = false;
};

}  // namespace mlrun
