#include "mlrun/callbacks/reduce_lr_on_plateau.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/train/trainer.hpp"

#include <algorithm>
#include <cstdio>

namespace mlrun {
namespace {

std::string number(double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

}  // namespace

reduce_lr_on_plateau::reduce_lr_on_plateau(const reduce_lr_on_plateau_options& options, std::ostream* messages,
                                           const std::string& where)
    : options_(options), monitor_(options.monitor, options.mode, options.min_delta, where), messages_(messages),
      best_(monitor_.worst())
{
    if (!(options.factor > 0.0 && options.factor < 1.0)) {
        throw config_error(where + ": factor: expected a number between 0 and 1 (the rate is multiplied by it), found " +
                           number(options.factor));
    }
    if (options.patience < 0) {
        throw config_error(where + ": patience: expected an integer >= 0, found " + std::to_string(options.patience));
    }
    if (options.cooldown < 0) {
        throw config_error(where + ": cooldown: expected an integer >= 0, found " + std::to_string(options.cooldown));
    }
    if (!(options.min_lr >= 0.0)) {
        throw config_error(where + ": min_lr: expected a number >= 0, found " + number(options.min_lr));
    }
}

void reduce_lr_on_plateau::reset()
{
    best_ = monitor_.worst();
    wait_ = 0;
    cooldown_counter_ = 0;
    pending_rate_.reset();
}

void reduce_lr_on_plateau::on_train_begin(trainer& t)
{
    if (!restored_) reset();
    learning_rate_ = t.get_optimizer().learning_rate();
}

void reduce_lr_on_plateau::on_epoch_begin(trainer& t, int)
{
    if (pending_rate_) {
        t.get_optimizer().set_learning_rate(static_cast<float>(*pending_rate_));
        pending_rate_.reset();
    }
    learning_rate_ = t.get_optimizer().learning_rate();
}

void reduce_lr_on_plateau::on_epoch_end(trainer& t, int epoch, const metric_logs& logs)
{
    const std::optional<double> current = logs.get(options_.monitor);
    if (!current) {
        std::string logged;
        for (const auto& [name, value] : logs.values) logged += (logged.empty() ? "" : ", ") + name;
        throw config_error("callbacks.reduce_lr_on_plateau: monitor: '" + options_.monitor +
                           "' is not in the training logs; logged: " + logged);
    }
    const bool in_cooldown = cooldown_counter_ > 0;
    if (in_cooldown) {
        --cooldown_counter_;
        wait_ = 0;
    }
    if (monitor_.improves_on(*current, best_)) {
        best_ = *current;
        wait_ = 0;
        return;
    }
    // Keras tests the cooldown again after counting it down: the last
    // cooldown epoch already counts towards patience.
    if (cooldown_counter_ > 0) return;
    ++wait_;
    if (wait_ < options_.patience) return;
    const float old_rate = t.get_optimizer().learning_rate();
    if (old_rate <= static_cast<float>(options_.min_lr)) return;
    const double new_rate = std::max(static_cast<double>(old_rate) * options_.factor, options_.min_lr);
    t.get_optimizer().set_learning_rate(static_cast<float>(new_rate));
    learning_rate_ = static_cast<float>(new_rate);
    if (messages_ != nullptr) {
        *messages_ << "Epoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to " << number(new_rate)
                   << " (" << options_.monitor << " did not improve on " << number(best_) << " for " << wait_
                   << (wait_ == 1 ? " epoch" : " epochs") << ").\n"
                   << std::flush;
    }
    cooldown_counter_ = options_.cooldown;
    wait_ = 0;
}

void reduce_lr_on_plateau::on_train_end(trainer&, const metric_logs&) { restored_ = false; }

callback_state reduce_lr_on_plateau::state() const
{
    return {{"best", best_},
            {"wait", wait_},
            {"cooldown_counter", cooldown_counter_},
            {"learning_rate", pending_rate_ ? *pending_rate_ : learning_rate_}};
}

void reduce_lr_on_plateau::restore(const callback_state& saved, const std::string& source)
{
    const double best = state_number(saved, "best", state_key(), source);
    const int wait = state_count(saved, "wait", state_key(), source);
    const int cooldown = state_count(saved, "cooldown_counter", state_key(), source);
    const double rate = state_number(saved, "learning_rate", state_key(), source);
    best_ = best;
    wait_ = wait;
    cooldown_counter_ = cooldown;
    pending_rate_ = rate;
    learning_rate_ = rate;
    restored_ = true;
}

}  // namespace mlrun
