// Everything one run needs, assembled from its experiment file: plugins,
// backend, data, model, and the compiled trainer; every command that
// trains or evaluates an experiment builds one, and every training run
// goes through its fit() (checkpoints, callbacks, signals, resume).
//
// The order follows the data flow: config -> plugins -> backend -> data ->
// model -> compile. Each step throws the error kind of its area. The model
// is the experiment's, or a saved model's (train --model FILE): then its
// architecture, weights and optimizer state come from the file, training
// goes on from the epoch and seed the file's training_state gives, and the
// rest of the experiment (data, compile settings, fit, checkpoint,
// callbacks, save) applies as for any run. A saved model that is only
// evaluated, predicted with or summarised keeps the file's compile
// settings; without an experiment its data and batch size come from the
// file's training_state, its backend is the reference one.
#pragma once

#include "mlrun/backend/backend.hpp"
#include "mlrun/callbacks/callback_set.hpp"
#include "mlrun/checkpoint/checkpoint_options.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/distributed/communicator.hpp"
#include "experiment/experiment.hpp"
#include "mlrun/model/model.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "mlrun/train/resume.hpp"
#include "mlrun/train/trainer.hpp"

#include <boost/filesystem/path.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlrun {

struct checkpoint;

struct session_options {
    std::string config_path;  // "": none, for a saved model's evaluate, predict and summary
    std::vector<std::string> overrides;
    std::vector<boost::filesystem::path> plugin_dirs;  // from --plugin-dir, searched first
    bool load_train_data = true;  // training: also checks the output paths and builds the callbacks
    bool load_test_data = true;   // false for predict and a saved model's summary
};

// Gives the communicator the experiment's `distributed` section asks for;
// it must outlive the session.
using rank_connector = std::function<communicator&(const distributed_options&)>;

class session {
public:
    // `model_path`: a saved model to start from instead of the experiment's
    // model (train --model), or to evaluate, predict with or summarise as
    // saved (without training data); "" builds the experiment's.
    // `connect` (training commands): the processes to train with; unset: one.
    explicit session(const session_options& options, const std::string& model_path = "",
                     const rank_connector& connect = {});
    // A saved model already in memory (an architecture file joined with
    // weights from another), used as saved; `name` names it in messages.
    session(const session_options& options, const checkpoint& saved, const std::string& name);

    experiment& config() { return experiment_; }
    plugin_registry& plugins() { return *plugins_; }
    backend& compute() { return *backend_; }
    model& net() { return *net_; }
    // The compiled trainer. For a saved model used as saved, the file's
    // compile settings; model_error saying why when the file has none.
    trainer& fitter();
    // Model outputs for every sample of x, in batches; needs no compile settings.
    tensor predict(const tensor& x, std::int64_t batch_size);
    // The saved model used as saved (its training_state, metadata); null otherwise.
    loaded_model* saved_model() { return loaded_.get(); }
    // The callbacks of the experiment's `callbacks` section (none when the
    // session was made without training data).
    callback_set& callbacks() { return *callbacks_; }
    const dataset& train_data() const { return train_; }
    const dataset& test_data() const { return test_; }
    // The processes training together (one, unless under mpirun).
    communicator& ranks() { return *ranks_; }
    // Whether this process prints, logs and writes single-file outputs (rank 0).
    bool is_root() const { return ranks_->rank() == 0; }

    // Trains as the experiment says, printing progress to `out`; resumes
    // from the latest checkpoint when asked (docs/resume.md). On SIGTERM or
    // SIGINT it returns early with signal_stop::received() set.
    history fit(std::ostream& out, const std::vector<callback*>& extra_callbacks);
    // --resume: beats the experiment's fit.resume (unset: the experiment says).
    void set_resume(std::optional<resume_mode> mode) { resume_ = mode; }
    // The epoch the last fit() started at: fit.initial_epoch, or a resumed checkpoint's.
    int first_epoch() const { return first_epoch_; }
    // Where training starts unless a checkpoint is resumed: fit.initial_epoch
    // and seed, or the saved model's training_state.
    int start_epoch() const { return start_epoch_; }
    std::uint64_t seed() const { return seed_; }
    // The experiment's checkpoint section.
    const checkpoint_options& checkpointing() const { return experiment_.checkpoint; }
    // Starting from a saved model of another optimizer class: says so; else "".
    const std::string& optimizer_note() const { return optimizer_note_; }
    // How many threads backend.threads: 0 gave the backend, and why; empty
    // when the experiment set a count.
    const std::string& thread_note() const { return thread_note_; }

private:
    session(const session_options& options, const std::string& model_path, const checkpoint* in_memory,
            const rank_connector& connect);

    experiment experiment_;
    local_communicator local_ranks_;
    communicator* ranks_ = &local_ranks_;
    // Every rank must train the same experiment: distributed_error naming
    // the ranks whose resolved experiment differs from rank 0's.
    void check_ranks_agree();
    // Makes every rank's weights rank 0's.
    void broadcast_weights();
    std::unique_ptr<plugin_registry> plugins_;
    std::unique_ptr<backend> backend_;
    dataset train_;
    dataset test_;
    std::unique_ptr<model> model_;
    std::unique_ptr<trainer> trainer_;
    std::unique_ptr<loaded_model> loaded_;  // a saved model used as saved: owns the model and trainer instead
    model* net_ = nullptr;
    std::unique_ptr<callback_set> callbacks_;
    // Loads the saved model's weights into the model built from it (and
    // its optimizer state when compile.optimizer is of the file's class),
    // and starts where its training_state says. When `training`, fit.epochs
    // must lie beyond the epochs it has done (config_error otherwise).
    void go_on_from(const checkpoint& saved, const std::string& path, bool training);

    std::optional<resume_mode> resume_;
    int start_epoch_ = 0;
    std::uint64_t seed_ = 0;
    std::string optimizer_note_;
    std::string thread_note_;
    int first_epoch_ = 0;
};

// Where plugins are searched, in order: --plugin-dir, MLRUN_PLUGIN_PATH,
// plugins.search_paths of the experiment, then next to the executable.
std::vector<boost::filesystem::path> plugin_search_order(const std::vector<boost::filesystem::path>& command_line,
                                                         const std::vector<std::string>& from_experiment);

// The backend plugin `name` with `threads` threads, as every command makes
// it; 0: default_threads() (backend/default_threads.hpp). `thread_note`,
// when given, gets the run's first line: the default's reason, or, where
// the backend runs on fewer threads than it was given, how many it uses.
std::unique_ptr<backend> make_backend(const plugin_registry& plugins, const std::string& name, int threads,
                                      std::string* thread_note = nullptr);

// Checks save.path and checkpoint.path before training: a format exists
// that can write each, and its directory can be made; checkpoints are not
// in an export-only format (ONNX). Throws config_error naming the key, the
// path and the formats there are.
void check_output_paths(const experiment& e, const checkpoint_options& checkpointing, const plugin_registry& plugins);

// Checks, before training, that an export-only format named by save.path
// (ONNX) can express `m`: a dry-run save of the fresh model. Throws
// config_error naming the key, the path and the layer.
void check_model_exportable(const experiment& e, const model& m, const plugin_registry& plugins);

}  // namespace mlrun
