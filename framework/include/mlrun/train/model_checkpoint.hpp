// Keras's ModelCheckpoint: decides when the model (weights, optimizer
// state and where training stands) is saved during training, as the
// experiment's `checkpoint` section says, and what goes into each save;
// the checkpoint manager writes it (checkpoint_manager.hpp).
#pragma once

#include "mlrun/checkpoint/checkpoint_manager.hpp"
#include "mlrun/checkpoint/training_state.hpp"
#include "mlrun/train/callback.hpp"

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {

struct experiment;
class callback_set;

class model_checkpoint final : public callback {
public:
    // `log_names` are the names fit() will log (loss, metrics, val_...);
    // fields of the path template and the monitor must be among them.
    // `metadata` is stored with each checkpoint besides the model's own
    // (loss, metrics... when save_weights_only is false). `run` gives
    // what every save's training_state says of the run (seed, batch_size,
    // shuffle); `start_epoch` is the epochs done before fit() starts.
    // Throws config_error when the options do not fit the logs.
    model_checkpoint(checkpoint_manager& files, std::ostream& out, const std::vector<std::string>& log_names,
                     std::map<std::string, std::string> metadata, training_state run, int start_epoch);

    void on_train_begin(trainer& t) override;
    void on_epoch_begin(trainer& t, int epoch) override;
    // checkpoint.every as a time, data-parallel: rank 0's clock decides,
    // and the ranks save together at the step it said so.
    void vote(trainer& t, step_vote& v) override;
    void on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs) override;
    void on_epoch_end(trainer& t, int epoch, const metric_logs& logs) override;

    // Saves now, at the step whose on_batch_end is running (a signal's
    // save); nothing when this step was saved already.
    void save_now(trainer& t, std::int64_t batch, const metric_logs& logs);

    // Going on from a checkpoint: its best value; no save_at_start.
    void resume_from(double best);
    // Where the stateful callbacks' state comes from at each save.
    void set_callback_state_source(const callback_set* callbacks) { callbacks_ = callbacks; }

    // Paths saved by this callback, in order.
    const std::vector<std::string>& saved() const { return saved_; }

private:
    const checkpoint_options& options() const { return files_.options(); }
    // Saves if the options say so; `epochs_done` fills {epoch}.
    void checkpoint_now(trainer& t, int epochs_done, std::int64_t batch, const metric_logs& logs, bool mid_epoch);
    std::string path_for(trainer& t, int epochs_done, std::int64_t batch, const metric_logs& logs, bool mid_epoch) const;
    // `resume_at` is where a run resumed from this checkpoint goes on;
    // `logs` give the monitored value it is kept by (keep_best).
    void save(trainer& t, const std::string& path, training_state resume_at, const metric_logs& logs);

    checkpoint_manager& files_;
    std::ostream& out_;
    std::map<std::string, std::string> metadata_;
    training_state run_;
    int start_epoch_ = 0;
    bool larger_is_better_ = false;
    double best_;
    int epoch_ = 0;
    double last_save_time_ = 0.0;  // steady clock, seconds: checkpoint.every in time units
    bool resumed_ = false;
    std::int64_t last_saved_iteration_ = -1;
    const callback_set* callbacks_ = nullptr;
    std::vector<std::string> saved_;
};

// The callback for the experiment `e`, saving through `files`; `run` as
// for the constructor.
std::unique_ptr<model_checkpoint> make_model_checkpoint(const experiment& e, checkpoint_manager& files,
                                                        const training_state& run, int start_epoch, std::ostream& out);

}  // namespace mlrun
