#include "mlrun/callbacks/learning_rate_schedule.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/train/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mlrun {
namespace {

constexpr double pi = 3.14159265358979323846;

double decayed(const learning_rate_schedule_options& o, double from, std::int64_t step, std::int64_t steps_per_epoch)
{
    const double progress = static_cast<double>(step) / static_cast<double>(o.decay_steps.to_steps(steps_per_epoch));
    switch (o.kind) {
    case decay_kind::constant: return from;
    case decay_kind::exponential: return from * std::pow(o.decay_rate, o.staircase ? std::floor(progress) : progress);
    case decay_kind::step: return from * std::pow(o.decay_rate, std::floor(progress));
    case decay_kind::cosine: {
        const double done = std::min(progress, 1.0);
        const double cosine = 0.5 * (1.0 + std::cos(pi * done));
        return from * ((1.0 - o.alpha) * cosine + o.alpha);
    }
    }
    return from;
}

}  // namespace

void check_schedule(const learning_rate_schedule_options& o, const std::string& where)
{
    auto fail = [&](const std::string& key, const std::string& expected, double found) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%g", found);
        throw config_error(where + ": " + key + ": expected " + expected + ", found " + buffer);
    };
    if (o.kind != decay_kind::constant && o.decay_steps.count <= 0) {
        fail("decay_steps", "at least 1 step", static_cast<double>(o.decay_steps.count));
    }
    if ((o.kind == decay_kind::exponential || o.kind == decay_kind::step) && !(o.decay_rate > 0.0)) {
        fail("decay_rate", "a number > 0", o.decay_rate);
    }
    if (o.kind == decay_kind::cosine && !(o.alpha >= 0.0 && o.alpha <= 1.0)) {
        fail("alpha", "a number from 0 to 1", o.alpha);
    }
    if (o.initial_learning_rate && !(*o.initial_learning_rate >= 0.0)) {
        fail("initial_learning_rate", "a number >= 0", *o.initial_learning_rate);
    }
    if (o.warmup_target && !(*o.warmup_target >= 0.0)) fail("warmup_target", "a number >= 0", *o.warmup_target);
    if (o.warmup_steps.count < 0) fail("warmup_steps", "a duration >= 0", static_cast<double>(o.warmup_steps.count));
    if (o.warmup_steps.count > 0 && !o.warmup_target) {
        throw config_error(where + ": warmup_steps is set but warmup_target is not; the warm-up climbs from "
                                   "initial_learning_rate to warmup_target");
    }
}

double scheduled_learning_rate(const learning_rate_schedule_options& o, double initial, std::int64_t step,
                               std::int64_t steps_per_epoch)
{
    if (!o.warmup_target) return decayed(o, initial, step, steps_per_epoch);
    const std::int64_t warmup_steps = o.warmup_steps.to_steps(steps_per_epoch);
    if (step < warmup_steps) {
        const double done = static_cast<double>(step) / static_cast<double>(warmup_steps);
        return initial + (*o.warmup_target - initial) * done;
    }
    return decayed(o, *o.warmup_target, step - warmup_steps, steps_per_epoch);
}

learning_rate_scheduler::learning_rate_scheduler(const learning_rate_schedule_options& options,
                                                 std::int64_t steps_per_epoch, const std::string& where)
    : options_(options), steps_per_epoch_(steps_per_epoch), initial_(options.initial_learning_rate)
{
    check_schedule(options_, where);
    if (steps_per_epoch_ < 1) throw config_error(where + ": expected at least one step per epoch");
}

void learning_rate_scheduler::on_train_begin(trainer& t)
{
    if (!initial_) initial_ = t.get_optimizer().learning_rate();
    current_ = scheduled_learning_rate(options_, *initial_, t.get_optimizer().iterations(), steps_per_epoch_);
}

void learning_rate_scheduler::on_batch_begin(trainer& t, std::int64_t)
{
    // The optimizer keeps float; the curve is computed in double.
    current_ = scheduled_learning_rate(options_, *initial_, t.get_optimizer().iterations(), steps_per_epoch_);
    t.get_optimizer().set_learning_rate(static_cast<float>(current_));
}

callback_state learning_rate_scheduler::state() const
{
    callback_state s = {{"learning_rate", current_}};
    if (initial_) s["initial_learning_rate"] = *initial_;
    return s;
}

void learning_rate_scheduler::restore(const callback_state& saved, const std::string& source)
{
    // Absent when the state was taken before any training fixed it.
    if (saved.count("initial_learning_rate") != 0) {
        initial_ = state_number(saved, "initial_learning_rate", state_key(), source);
    }
    current_ = state_number(saved, "learning_rate", state_key(), source);
}

}  // namespace mlrun
