// Keras's ModelCheckpoint: saves the model (weights and optimizer state)
// during training as the experiment's `checkpoint` section says.
//
// After every save the directory's `checkpoint` state file names the new
// checkpoint (replaced atomically); with keep_last N the state file keeps
// the newest N and only then are the older ones' files deleted, so the
// state file never names a deleted checkpoint.
#pragma once

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/train/callback.hpp"
#include "mlrun/train/path_template.hpp"
#include "mlrun/train/save_frequency.hpp"

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {

struct experiment;
class directory_lock;
class experiment_callbacks;
class plugin_registry;
struct fit_position;

struct checkpoint_policy {
    std::string path;                    // template, e.g. training_2/cp-{epoch:04d}.ckpt
    std::string format = "tf_checkpoint";
    bool save_weights_only = true;
    std::string keras_version;           // the hdf5 format's keras_version; "": the path's default (auto)
    save_frequency every;
    bool save_best_only = false;
    std::string monitor = "val_loss";
    std::string mode = "auto";           // min | max | auto (max for accuracies, else min)
    int verbose = 0;
    int keep_last = 5;                   // 0 keeps every checkpoint
    bool save_at_start = false;
    int start_epoch = 0;                 // epochs done before fit() starts (fit.initial_epoch)
    std::string where;                   // "file:line:col: checkpoint.path", for messages
    bool warn_on_save_error = false;     // on_save_error: warn (go on) instead of stop
    // Stored in training_state so a resume can check and replay them.
    std::uint64_t seed = 0;
    std::int64_t batch_size = 32;
    bool shuffle = true;
};

// The experiment's `checkpoint` section (an empty path when it asks for no
// checkpoints). Throws config_error with the key's position.
checkpoint_policy read_checkpoint_policy(const experiment& e);

class model_checkpoint final : public callback {
public:
    // `log_names` are the names fit() will log (loss, metrics, val_...);
    // fields of the path template and the monitor must be among them.
    // `metadata` is stored with each checkpoint besides the model's own
    // (loss, metrics... when save_weights_only is false). Throws
    // config_error when the policy does not fit the logs.
    // Locks the checkpoint directory (directory_lock.hpp) for its life:
    // throws io_error when another run holds it.
    model_checkpoint(checkpoint_policy policy, const plugin_record& format_plugin, std::ostream& out,
                     const std::vector<std::string>& log_names, std::map<std::string, std::string> metadata);
    ~model_checkpoint() override;

    void on_train_begin(trainer& t) override;
    void on_epoch_begin(trainer& t, int epoch) override;
    void on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs) override;
    void on_epoch_end(trainer& t, int epoch, const metric_logs& logs) override;

    // Saves now, at the step whose on_batch_end is running (a signal's
    // save); nothing when this step was saved already.
    void save_now(trainer& t, std::int64_t batch, const metric_logs& logs);

    // Going on from a checkpoint: its best value; no save_at_start.
    void resume_from(double best);
    // Where the stateful callbacks' state comes from at each save.
    void set_callback_state_source(const experiment_callbacks* callbacks) { callbacks_ = callbacks; }

    // Paths saved by this callback, in order.
    const std::vector<std::string>& saved() const { return saved_; }

private:
    // Saves if the policy says so; `epochs_done` fills {epoch}.
    void checkpoint_now(trainer& t, int epochs_done, std::int64_t batch, const metric_logs& logs, bool mid_epoch);
    std::string path_for(trainer& t, int epochs_done, std::int64_t batch, const metric_logs& logs, bool mid_epoch) const;
    // `resume_at` is where a run resumed from this checkpoint goes on.
    void save(trainer& t, const std::string& path, int epochs_done, const fit_position& resume_at);
    void warn_if_short_of_space(const std::string& path, const checkpoint& ckpt) const;
    // on_save_error: warn: `what` failed, said on the output; training goes on.
    void warn_of_failure(const std::string& what, const io_error& e) const;
    // Saves, then names the new checkpoint in the state file, so that at
    // every instant the state file names a complete checkpoint.
    void save_and_name(const std::string& path, const checkpoint& ckpt);
    // The state file names `path` as the newest, and no longer `forget`.
    void update_state_file(const std::string& path, const std::string& forget = "");
    // <checkpoint directory>/experiment.yaml: the resolved experiment, so
    // the directory says how its checkpoints were made.
    std::string checkpoint_directory() const;
    void write_experiment_record() const;
    void remove_checkpoint(const std::string& directory, const std::string& name) const;

    checkpoint_policy policy_;
    format format_;
    path_template template_;
    std::ostream& out_;
    std::map<std::string, std::string> metadata_;
    bool larger_is_better_ = false;
    double best_;
    int epoch_ = 0;
    double last_save_time_ = 0.0;  // steady clock, seconds: checkpoint.every in time units
    bool resumed_ = false;
    std::int64_t last_saved_iteration_ = -1;
    const experiment_callbacks* callbacks_ = nullptr;
    std::vector<std::string> saved_;
    std::unique_ptr<directory_lock> lock_;  // held for the callback's life, from construction
};

// The callback the experiment asks for, or nullptr when it has no
// checkpoint path. The format plugin is looked up now, so a missing one
// fails before training starts.
std::unique_ptr<model_checkpoint> make_model_checkpoint(const experiment& e, const plugin_registry& plugins,
                                                        std::ostream& out);

}  // namespace mlrun
