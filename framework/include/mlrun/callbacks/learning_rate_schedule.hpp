// Learning-rate schedules, evaluated at every training step from the
// optimizer's step count, so a resumed run continues on the same curve.
//
// Keras's ExponentialDecay and CosineDecay settings, by their names; the
// durations in steps or in epochs (training_duration::epochs(2)).
//
// With step = the number of steps already taken (0 for the first):
//   exponential_decay  lr = initial * decay_rate^(step / decay_steps)
//                      (staircase: the exponent is rounded down)
//   step_decay         lr = initial * decay_rate^floor(step / decay_steps)
//   cosine_decay       lr = initial * ((1 - alpha) * c + alpha),
//                      c = 0.5 (1 + cos(pi * min(step, decay_steps) / decay_steps))
//   constant           lr = initial
// With a warmup_target the rate first climbs linearly from initial to
// warmup_target over warmup_steps, and the decay then starts from
// warmup_target with step counted from the end of the warm-up (Keras's
// CosineDecay warm-up, offered for every kind).
#pragma once

#include "mlrun/callbacks/stateful_callback.hpp"
#include "mlrun/callbacks/training_duration.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace mlrun {

enum class decay_kind { constant, exponential, step, cosine };

struct learning_rate_schedule_options {
    decay_kind kind = decay_kind::constant;
    std::optional<double> initial_learning_rate;  // unset: the optimizer's rate when training begins
    training_duration decay_steps;                // > 0 for every kind but constant
    double decay_rate = 1.0;                      // exponential and step
    bool staircase = false;                       // exponential
    double alpha = 0.0;                           // cosine: the final rate, as a fraction
    std::optional<double> warmup_target;
    training_duration warmup_steps;
};

// Throws config_error naming `where` for a setting out of range.
void check_schedule(const learning_rate_schedule_options& options, const std::string& where);

// The rate of the step that follows `step` steps, starting from `initial`;
// a duration in epochs is `steps_per_epoch` steps each.
double scheduled_learning_rate(const learning_rate_schedule_options& options, double initial, std::int64_t step,
                               std::int64_t steps_per_epoch);

// Sets the optimizer's learning rate before every batch.
class learning_rate_scheduler final : public stateful_callback {
public:
    // Durations in epochs count `steps_per_epoch` steps each.
    learning_rate_scheduler(const learning_rate_schedule_options& options, std::int64_t steps_per_epoch,
                            const std::string& where = "callbacks.lr_schedule");

    void on_train_begin(trainer& t) override;
    void on_batch_begin(trainer& t, std::int64_t batch) override;

    std::string state_key() const override { return "lr_schedule"; }
    // {initial_learning_rate, learning_rate}: the rate the curve started from
    // (fixed at the first fit, so a resumed optimizer's decayed rate is not
    // taken for it) and the last rate set.
    callback_state state() const override;
    void restore(const callback_state& state, const std::string& source) override;

    double learning_rate() const { return current_; }

private:
    learning_rate_schedule_options options_;
    std::int64_t steps_per_epoch_;
    std::optional<double> initial_;
    double current_ = 0.0;
};

}  // namespace mlrun
