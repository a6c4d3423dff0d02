#include "mlrun/callbacks/early_stopping.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/train/trainer.hpp"

#include <cstdio>

namespace mlrun {
namespace {

std::string number(double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

std::string epochs_text(int n) { return std::to_string(n) + (n == 1 ? " epoch" : " epochs"); }

}  // namespace

early_stopping::early_stopping(const early_stopping_options& options, std::ostream* messages,
                               const std::string& where)
    : options_(options), monitor_(options.monitor, options.mode, options.min_delta, where), messages_(messages),
      best_(monitor_.worst())
{
    if (options.patience < 0) {
        throw config_error(where + ": patience: expected an integer >= 0, found " + std::to_string(options.patience));
    }
    if (options.start_from_epoch < 0) {
        throw config_error(where + ": start_from_epoch: expected an integer >= 0, found " +
                           std::to_string(options.start_from_epoch));
    }
}

void early_stopping::reset()
{
    best_ = monitor_.worst();
    best_epoch_ = -1;
    wait_ = 0;
    stopped_epoch_ = -1;
    reason_.clear();
    best_weights_.clear();
}

void early_stopping::on_train_begin(trainer&)
{
    // A restored state continues; a fresh fit starts over, as in Keras.
    if (!restored_) reset();
}

void early_stopping::snapshot_weights(trainer& t)
{
    best_weights_.clear();
    for (const parameter* p : t.get_model().parameters()) best_weights_.push_back(p->value);
}

void early_stopping::on_epoch_end(trainer& t, int epoch, const metric_logs& logs)
{
    const std::optional<double> current = logs.get(options_.monitor);
    if (!current) {
        std::string logged;
        for (const auto& [name, value] : logs.values) logged += (logged.empty() ? "" : ", ") + name;
        throw config_error("callbacks.early_stopping: monitor: '" + options_.monitor +
                           "' is not in the training logs; logged: " + logged);
    }
    if (epoch < options_.start_from_epoch) return;
    // If no epoch ever improves, the first watched one counts as the best
    // (after a restore the best epoch is an earlier one, whose weights are gone).
    if (options_.restore_best_weights && best_weights_.empty() && best_epoch_ < 0) {
        snapshot_weights(t);
        best_epoch_ = epoch;
    }
    ++wait_;
    if (monitor_.improves_on(*current, best_)) {
        best_ = *current;
        best_epoch_ = epoch;
        if (options_.restore_best_weights) snapshot_weights(t);
        // The counter restarts only when the baseline is beaten too.
        if (!options_.baseline || monitor_.improves_on(*current, *options_.baseline)) wait_ = 0;
        return;
    }
    if (wait_ < options_.patience || epoch == 0) return;
    stopped_epoch_ = epoch;
    const bool below_baseline = options_.baseline && !monitor_.improves_on(best_, *options_.baseline);
    if (below_baseline) {
        reason_ = options_.monitor + " did not beat the baseline " + number(*options_.baseline) + " in " +
                  epochs_text(wait_) + " (best " + number(best_) + ", epoch " + std::to_string(best_epoch_ + 1) +
                  ")";
    } else {
        reason_ = options_.monitor + " did not improve on its best " + number(best_) + " (epoch " +
                  std::to_string(best_epoch_ + 1) + ") by more than min_delta " + number(monitor_.min_delta()) +
                  " for " + epochs_text(wait_) + " (patience " + std::to_string(options_.patience) + ")";
    }
    t.request_stop();
}

void early_stopping::on_train_end(trainer& t, const metric_logs&)
{
    restored_ = false;
    if (stopped_epoch_ >= 0 && messages_ != nullptr) {
        *messages_ << "Epoch " << stopped_epoch_ + 1 << ": early stopping: " << reason_ << "\n" << std::flush;
    }
    if (!options_.restore_best_weights) return;
    if (best_weights_.empty()) {
        if (best_epoch_ >= 0 && messages_ != nullptr) {
            *messages_ << "Not restoring weights: the best epoch (" << best_epoch_ + 1
                       << ") came before the restart and its weights were not kept.\n"
                       << std::flush;
        }
        return;
    }
    if (messages_ != nullptr) {
        *messages_ << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1 << ".\n"
                   << std::flush;
    }
    const std::vector<parameter*> params = t.get_model().parameters();
    if (params.size() != best_weights_.size()) {
        throw model_error("callbacks.early_stopping: restore_best_weights: the model has " +
                          std::to_string(params.size()) + " weights but " + std::to_string(best_weights_.size()) +
                          " were saved");
    }
    for (std::size_t i = 0; i < params.size(); ++i) params[i]->value = best_weights_[i];
}

callback_state early_stopping::state() const
{
    return {{"best", best_}, {"best_epoch", best_epoch_}, {"wait", wait_}};
}

void early_stopping::restore(const callback_state& saved, const std::string& source)
{
    const double best = state_number(saved, "best", state_key(), source);
    const int best_epoch = state_count(saved, "best_epoch", state_key(), source);
    const int wait = state_count(saved, "wait", state_key(), source);
    reset();
    best_ = best;
    best_epoch_ = best_epoch;
    wait_ = wait;
    restored_ = true;
}

}  // namespace mlrun
