// fit / evaluate / predict: the training loop around a compiled model.
#pragma once

#include "mlrun/checkpoint/training_state.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/distributed/communicator.hpp"
#include "mlrun/distributed/distributed_options.hpp"
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
class gradient_buckets;

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
    // Data-parallel training (docs/distributed.md): with more than one rank,
    // batch_size is the global batch, of which each rank takes its
    // contiguous share; gradients, loss and metrics are summed across
    // ranks, so every rank logs and steps the same. nullptr: one process.
    communicator* ranks = nullptr;
    distributed_options distributed;
};

// How many of `samples` train when validation_split takes its tail:
// floor(samples * (1 - validation_split)), as Keras splits.
std::int64_t training_samples(std::int64_t samples, double validation_split);

struct reduction_timing;

// Throws config_error unless the global batch `batch_size` splits into
// equal shares for `ranks` ranks.
void check_global_batch(std::int64_t batch_size, int ranks);

// One metric_logs per epoch, as Keras's History.
struct history {
    std::vector<metric_logs> epochs;
};

class trainer {
public:
    // The model must be built; `optimizer` gets attached to its parameters.
    trainer(model& m, backend& be, loss_function loss, std::unique_ptr<optimizer> opt,
            std::vector<metric> metrics);
    ~trainer();

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

    // Whether a data-parallel fit() runs, and this process's rank in it (0 otherwise).
    bool distributed() const { return ranks_ != nullptr; }
    int rank() const { return ranks_ != nullptr ? ranks_->rank() : 0; }
    // What the ranks settled at the step that just ended (data-parallel
    // fit(), valid in on_batch_end; nothing is set otherwise).
    const step_vote& agreed() const { return agreed_; }

    model& get_model() { return model_; }
    optimizer& get_optimizer() { return *optimizer_; }
    backend& get_backend() { return backend_; }
    std::int64_t steps_per_epoch(std::int64_t samples, std::int64_t batch_size) const;
    // Where the last data-parallel fit()'s steps spent their time (none
    // after a one-process fit).
    const reduction_timing* last_reduction_timing() const;

private:
    // Copies the samples order[begin, end) into the batch buffers, and
    // their weights (sample weights times class weights) when there are any.
    void gather(const dataset& data, const std::vector<std::int64_t>& order, std::int64_t begin, std::int64_t end,
                const std::map<std::int32_t, float>& class_weight);
    // One gradient step on the gathered batch; returns the batch's summed
    // loss, regularization counted once per sample (so the epoch mean is
    // Keras's batch-size weighted mean of its batch losses).
    double train_step(std::uint64_t step_seed);
    // The gathered batch's weights, one per row, or nullptr when unweighted.
    const float* batch_weights() const { return batch_weights_.empty() ? nullptr : batch_weights_.data(); }
    // The batch's summed loss, weighted, with the regularization.
    double batch_loss(const tensor& prediction, bool gradient);
    // The same for this rank's share of a global batch: `local` samples
    // gathered of `global`; returns the global batch's summed loss.
    // Every callback votes before the sums; agreed() holds the outcome after.
    double distributed_step(std::uint64_t step_seed, std::int64_t local, std::int64_t global,
                            const std::vector<callback*>& callbacks);
    // The summed loss and the metrics' states over data rows [begin, end),
    // in batches of batch_size, without dropout, added to `loss_sum` and `metrics`.
    void evaluate_rows(const dataset& data, std::int64_t begin, std::int64_t end, std::int64_t batch_size,
                       double& loss_sum, std::vector<metric>& metrics);
    // Validation of a data-parallel fit(): each rank evaluates its
    // contiguous share of `data` and the sums are added across ranks, so
    // every rank gets the whole set's result.
    metric_logs validate_shared(const dataset& data, std::int64_t batch_size);
    // Throws distributed_error naming the ranks whose weights differ from rank 0's.
    void check_weights_agree(int epoch);

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
    communicator* ranks_ = nullptr;  // set while a data-parallel fit() runs
    std::unique_ptr<gradient_buckets> buckets_;
    // distributed_step's reduction of the loss and the metrics' states, reused.
    std::vector<double> metric_states_before_;
    std::vector<double> step_sums_;
    std::vector<double> metric_state_;
    step_vote agreed_;
};

}  // namespace mlrun
