// fit / evaluate / predict: the training loop around a compiled model.
#pragma once

#include "mlrun/checkpoint/training_state.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/losses/loss.hpp"
#include "mlrun/metrics/metric.hpp"
#include "mlrun/model/model.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "mlrun/train/callback.hpp"

#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace mlrun {

class backend;

struct fit_options {
    int epochs = 1;
    std::int64_t batch_size = 32;
    bool shuffle = true;
    std::uint64_t seed = 0;       // shuffling and dropout streams derive from it
    int initial_epoch = 0;        // epochs before this count as done (resuming)
    const dataset* validation = nullptr;
    // Keras's validation_split: the last fraction of `train`'s samples (taken
    // before any shuffling) validates instead of training; in [0, 1), and
    // not together with `validation`.
    double validation_split = 0.0;
    // Keras's class_weight: each training sample's loss is scaled by the
    // weight of its class (classes not listed: 1); nothing is normalised.
    // Not together with sample weights in the data.
    std::map<std::int32_t, float> class_weight;
    bool log_learning_rate = false;  // add "lr" (the optimizer's rate) to each epoch's logs
    // Going on where a run stopped (training_state.resumable): at its
    // epoch and step, with its epoch sums (its epoch beats initial_epoch).
    std::optional<training_state> resume_at;
    // A step whose loss is NaN or infinite throws diverged_error before any
    // callback sees it, so nothing saves the broken weights (Keras's
    // TerminateOnNaN). Off: training goes on, with one warning to `warnings`.
    bool terminate_on_nan = true;
    std::ostream* warnings = nullptr;
};

// How many of `samples` train when validation_split takes its tail:
// floor(samples * (1 - validation_split)), as Keras splits.
std::int64_t training_samples(std::int64_t samples, double validation_split);

// One metric_logs per epoch, as Keras's History.
struct history {
    std::vector<metric_logs> epochs;
};

class trainer {
public:
    // The model must be built; `optimizer` gets attached to its parameters.
    trainer(model& m, backend& be, loss_function loss, std::unique_ptr<optimizer> opt,
            std::vector<metric> metrics);

    history fit(const dataset& train, const fit_options& options, const std::vector<callback*>& callbacks);

    // Mean loss and metrics over `data`, in order, without dropout.
    metric_logs evaluate(const dataset& data, std::int64_t batch_size);

    // Model outputs for every sample of x, [samples, outputs...].
    tensor predict(const tensor& x, std::int64_t batch_size);

    // Asks fit() to stop after the current batch (EarlyStopping, signals).
    void request_stop() { stop_requested_ = true; }
    // Asks fit() to stop after the current batch without finishing the
    // epoch (no validation, no epoch-end callbacks): a signal's stop, so a
    // checkpoint taken at this step stays the point to resume from.
    void request_abort() { stop_requested_ = true, abort_requested_ = true; }
    bool aborted() const { return abort_requested_; }
    // Where fit() stands (valid while it runs; after on_batch_end of step
    // s, steps_done is s + 1): the position in the epoch, the step and the
    // learning rate; the caller adds what the trainer does not know.
    training_state position() const;

    model& get_model() { return model_; }
    optimizer& get_optimizer() { return *optimizer_; }
    backend& get_backend() { return backend_; }
    std::int64_t steps_per_epoch(std::int64_t samples, std::int64_t batch_size) const;

private:
    // Copies the samples order[begin, end) into the batch buffers, and
    // their weights (sample weights times class weights) when there are any.
    void gather(const dataset& data, const std::vector<std::int64_t>& order, std::int64_t begin, std::int64_t end,
                const std::map<std::int32_t, float>& class_weight);
    // One gradient step on the gathered batch; returns the batch's summed
    // loss, regularization counted once per sample (so the epoch mean is
    // Keras's batch-size weighted mean of its batch losses).
    double train_step(std::uint64_t step_seed);
    // The batch's summed loss, weighted, with the regularization.
    double batch_loss(const tensor& prediction, bool gradient);

    model& model_;
    backend& backend_;
    loss_function loss_;
    std::unique_ptr<optimizer> optimizer_;
    std::vector<metric> metrics_;
    tensor batch_x_;
    tensor batch_y_;
    std::vector<float> batch_weights_;  // empty: unweighted
    bool stop_requested_ = false;
    bool abort_requested_ = false;
    double epoch_loss_sum_ = 0.0;
    int epoch_ = 0;
    std::int64_t steps_done_ = 0;
};

}  // namespace mlrun
