// Whole-model files: a trained model saved with how it was compiled and
// where its training stopped, and loaded back ready to predict, evaluate
// or go on training (Keras's model.save / load_model), plus weights-only
// loading into a model built from an experiment (load_weights).
//
// The format is chosen by the file name's suffix among the format plugins
// ("my_model.h5" -> hdf5). Nothing in a file names code: the architecture
// is rebuilt from the classes the layer registry knows.
#pragma once

#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/training_state.hpp"
#include "mlrun/metrics/metric_spec.hpp"
#include "mlrun/model/model.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "mlrun/train/trainer.hpp"


#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlrun {

// What save_model writes besides the model itself.
struct save_request {
    const optimizer* opt = nullptr;  // null: no optimizer state and no compile settings (include_optimizer: false)
    std::string loss;
    std::vector<metric_spec> metrics;
    std::vector<metric_spec> weighted_metrics;  // compile.weighted_metrics
    std::optional<training_state> state;
    std::string backend;  // the backend that trained it, for the record
    bool weights_only = false;
    std::string format;  // a format plugin's name; "": chosen from the path (format_choice.hpp)
    std::string source;  // the file the model came from, recorded by export-only formats (ONNX); may be empty
    std::vector<std::pair<std::string, std::string>> format_options;  // passed to the format as given (hdf5: keras_version)
};

// The format that reads `path` (format_for_reading in format_choice.hpp).
// Throws plugin_error listing every format and its suffixes.
format format_for_path(const plugin_registry& plugins, const std::string& path);

// Writes `m` (and what `request` adds) to `path` in request.format or the
// one the path selects (a suffix-less path is a TensorFlow checkpoint prefix); a failed save leaves any earlier file at `path` as it was.
void save_model(const std::string& path, const model& m, const save_request& request, const plugin_registry& plugins);

// A model rebuilt from a whole-model file.
class loaded_model {
public:
    model& net() { return *model_; }
    const model& net() const { return *model_; }

    // Whether the file said how to compile the model (loss and optimizer).
    bool compiled() const { return trainer_ != nullptr; }
    // The compiled trainer with the restored optimizer state. Throws
    // model_error saying why when the model is not compiled.
    trainer& fitter();

    const std::string& loss() const { return loss_; }
    const std::vector<metric_spec>& metrics() const { return metrics_; }
    const std::vector<metric_spec>& weighted_metrics() const { return weighted_metrics_; }
    const std::optional<training_state>& state() const { return state_; }
    // The file's metadata as the format reported it (keras_version, ...).
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // Model outputs for every sample of x [samples, input shape...],
    // computed in batches; works without compile settings.
    tensor predict(const tensor& x, std::int64_t batch_size);

private:
    friend std::unique_ptr<loaded_model> load_model(const checkpoint& ckpt, const std::string& path, backend& be);
    loaded_model(std::unique_ptr<model> m, backend& be) : model_(std::move(m)), backend_(be) {}

    std::unique_ptr<model> model_;
    backend& backend_;
    std::unique_ptr<trainer> trainer_;
    std::string not_compiled_reason_;
    std::string loss_;
    std::vector<metric_spec> metrics_;
    std::vector<metric_spec> weighted_metrics_;
    std::optional<training_state> state_;
    std::map<std::string, std::string> metadata_;
};

// The architecture a whole-model file's model_config describes, built
// (its weights still to be loaded). Throws model_error naming `path` for
// weights-only files and architectures the layer registry cannot build.
std::unique_ptr<model> build_saved_architecture(const checkpoint& ckpt, const std::string& path);

// Rebuilds the architecture from the file's model_config, compiles it from
// its training settings when present (and usable: otherwise the model only
// predicts, and fitter() says why), and restores the weights and the
// optimizer state. Throws model_error naming the file for weights-only
// files and architectures the layer registry cannot build, io_error when
// the file is damaged.
std::unique_ptr<loaded_model> load_model(const std::string& path, const plugin_registry& plugins, backend& be);
// The same from a checkpoint already in memory (an architecture file's
// metadata joined with weights from another file); `path` names it in
// messages.
std::unique_ptr<loaded_model> load_model(const checkpoint& ckpt, const std::string& path, backend& be);

// Loads only the weights of `path` into `m` (built from an experiment), as
// Keras's load_weights does: by layer name when every weight's name
// matches, otherwise pairing the layers that have weights by position.
// Strict: model_error with the table of mismatches, and nothing changed.
void load_weights(model& m, const std::string& path, const plugin_registry& plugins);
// The weights of `file` under `m`'s names, paired as load_weights pairs
// them (names, else position); optimizer tensors are left out. Throws
// model_error naming both sides' layers when they cannot be paired.
checkpoint weights_paired_with(const model& m, const checkpoint& file, const std::string& path);

}  // namespace mlrun
