// ReduceLROnPlateau: multiply the learning rate by `factor` once the
// monitored value has not improved for `patience` epochs, with Keras's
// semantics.
//
// At each epoch end: during a cooldown the counter goes down and the wait
// counter stays at 0; an improvement (by more than min_delta) records the
// best value and resets the wait; otherwise, outside a cooldown, the wait
// grows and on reaching patience the rate becomes max(lr * factor, min_lr)
// (unless it is already at min_lr), a cooldown of `cooldown` epochs starts
// and the wait restarts.
#pragma once

#include "mlrun/callbacks/monitored_quantity.hpp"
#include "mlrun/callbacks/stateful_callback.hpp"

#include <optional>
#include <ostream>
#include <string>

namespace mlrun {

// Keras's ReduceLROnPlateau keyword arguments and defaults.
struct reduce_lr_on_plateau_options {
    std::string monitor = "val_loss";
    monitor_mode mode = monitor_mode::automatic;
    double factor = 0.1;  // in (0, 1)
    int patience = 10;
    double min_delta = 1e-4;
    int cooldown = 0;
    double min_lr = 0.0;
};

class reduce_lr_on_plateau final : public stateful_callback {
public:
    // `messages` (may be null) receives a line at each reduction. Throws
    // config_error naming `where` for a bad setting.
    reduce_lr_on_plateau(const reduce_lr_on_plateau_options& options, std::ostream* messages,
                         const std::string& where = "callbacks.reduce_lr_on_plateau");

    void on_train_begin(trainer& t) override;
    void on_epoch_begin(trainer& t, int epoch) override;
    void on_epoch_end(trainer& t, int epoch, const metric_logs& logs) override;
    void on_train_end(trainer& t, const metric_logs& logs) override;

    std::string state_key() const override { return "reduce_lr_on_plateau"; }
    // {best, wait, cooldown_counter, learning_rate}; a restored learning
    // rate is given back to the optimizer when the next epoch begins.
    callback_state state() const override;
    void restore(const callback_state& state, const std::string& source) override;

    double best() const { return best_; }
    int wait() const { return wait_; }
    int cooldown_counter() const { return cooldown_counter_; }

private:
    void reset();

    reduce_lr_on_plateau_options options_;
    monitored_quantity monitor_;
    std::ostream* messages_;
    double best_;
    int wait_ = 0;
    int cooldown_counter_ = 0;
    double learning_rate_ = 0.0;          // the optimizer's, as last seen
    std::optional<double> pending_rate_;  // restored, not yet given to the optimizer
    bool restored_ = false;
};

}  // namespace mlrun
