// Everything one experiment needs, assembled from its file: plugins,
// backend, data, model, and the compiled trainer.
//
// The order follows the data flow: config -> plugins -> backend -> data ->
// model -> compile. Each step throws the error kind of its area.
#pragma once

#include "mlrun/backend/backend.hpp"
#include "mlrun/callbacks/experiment_callbacks.hpp"
#include "mlrun/config/experiment.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/model/model.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "mlrun/train/resume.hpp"
#include "mlrun/train/trainer.hpp"

#include <boost/filesystem/path.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlrun {

struct session_options {
    std::string config_path;
    std::vector<std::string> overrides;
    std::vector<boost::filesystem::path> plugin_dirs;  // from --plugin-dir, searched first
    bool load_train_data = true;
};

class session {
public:
    explicit session(const session_options& options);

    experiment& config() { return experiment_; }
    plugin_registry& plugins() { return *plugins_; }
    backend& compute() { return *backend_; }
    model& net() { return *model_; }
    trainer& fitter() { return *trainer_; }
    // The callbacks of the experiment's `callbacks` section (none when the
    // session was made without training data).
    experiment_callbacks& callbacks() { return *callbacks_; }
    const dataset& train_data() const { return train_; }
    const dataset& test_data() const { return test_; }

    // Trains as the experiment says, printing progress to `out`; resumes
    // from the latest checkpoint when asked (docs/resume.md). On SIGTERM or
    // SIGINT it returns early with signal_stop::received() set.
    history fit(std::ostream& out, const std::vector<callback*>& extra_callbacks);
    // --resume: beats the experiment's fit.resume (unset: the experiment says).
    void set_resume(std::optional<resume_mode> mode) { resume_ = mode; }
    // The epoch the last fit() started at: fit.initial_epoch, or a resumed checkpoint's.
    int first_epoch() const { return first_epoch_; }

private:
    experiment experiment_;
    std::unique_ptr<plugin_registry> plugins_;
    std::unique_ptr<backend> backend_;
    dataset train_;
    dataset test_;
    std::unique_ptr<model> model_;
    std::unique_ptr<trainer> trainer_;
    std::unique_ptr<experiment_callbacks> callbacks_;
    std::optional<resume_mode> resume_;
    int first_epoch_ = 0;
};

// Where plugins are searched, in order: --plugin-dir, MLRUN_PLUGIN_PATH,
// plugins.search_paths of the experiment, then next to the executable.
std::vector<boost::filesystem::path> plugin_search_order(const std::vector<boost::filesystem::path>& command_line,
                                                         const std::vector<std::string>& from_experiment);

// Threads a backend should use when the experiment says 0.
int default_thread_count();

// Checks save.path and checkpoint.path before training: a format exists
// that can write each, and its directory can be made; checkpoints are not
// in an export-only format (ONNX). Throws config_error naming the key, the
// path and the formats there are.
void check_output_paths(const experiment& e, const plugin_registry& plugins);

// Checks, before training, that an export-only format named by save.path
// (ONNX) can express `m`: a dry-run save of the fresh model. Throws
// config_error naming the key, the path and the layer.
void check_model_exportable(const experiment& e, const model& m, const plugin_registry& plugins);

}  // namespace mlrun
