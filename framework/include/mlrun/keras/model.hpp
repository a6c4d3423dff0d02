// A Keras-style model for C++ programs: build it from layers, compile,
// fit, evaluate, predict, save and load, going through the same trainer,
// plugins and formats as `mlrun train` does with an experiment file.
//
//     keras::model m = keras::sequential({keras::dense(512, "relu"), keras::dropout(0.2f),
//                                         keras::dense(10, "softmax")}, {784});
//     m.compile({adam_options{}, "sparse_categorical_crossentropy", {"accuracy"}});
//     m.fit(train, keras::fit_arguments{}.with_epochs(10).with_validation(test));
//     m.save("my_model.h5");
//
// Errors are the framework's (core/error.hpp): config_error for a bad
// setting, data_error for data that does not fit the model, io_error and
// model_error from files, each naming what and where.
#pragma once

#include "mlrun/callbacks/callback_spec.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/keras/layers.hpp"
#include "mlrun/model/model_spec.hpp"
#include "mlrun/losses/loss_spec.hpp"
#include "mlrun/optim/optimizer_spec.hpp"
#include "mlrun/train/callback.hpp"
#include "mlrun/train/trainer.hpp"

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {
class plugin_registry;
}

namespace mlrun::keras {

class graph;

// What an experiment file's seed, backend and plugins sections say.
struct environment {
    std::uint64_t seed = 42;         // initialisation, shuffling and dropout derive from it
    std::string backend = "reference";
    int threads = 0;                 // 0: one per core
    // Searched first, then MLRUN_PLUGIN_PATH, then the plugins installed
    // with libmlrun (<libdir>/mlrun/plugins).
    std::vector<std::string> plugin_dirs;
    // Keras's mixed_precision.set_global_policy: the policy of every layer
    // that names none (layer::with_policy), unless the model_spec's own
    // policy is not float32. mixed_bfloat16: docs/mixed-precision.md.
    dtype_policy policy = dtype_policy::float32;
    // backend.bf16: emulate bf16 where the backend has none natively (said
    // once, on `fit`'s output), or refuse to fit (native_only).
    bf16_mode bf16 = bf16_mode::emulate;
};

// model.compile(optimizer=..., loss=..., metrics=[...]).
struct compile_options {
    compile_options() = default;
    // {optimizer, loss, metrics}, as before weighted_metrics came.
    compile_options(optimizer_spec optimizer_, loss_spec loss_, std::vector<metric_spec> metrics_ = {},
                    std::vector<metric_spec> weighted_metrics_ = {})
        : optimizer(std::move(optimizer_)), loss(std::move(loss_)), metrics(std::move(metrics_)),
          weighted_metrics(std::move(weighted_metrics_))
    {
    }

    optimizer_spec optimizer = adam_options{};
    loss_spec loss;  // loss_kind::sparse_categorical_crossentropy, or with settings (loss_spec.hpp)
    std::vector<metric_spec> metrics;  // {"accuracy", metric_kind::auc, ...} (metric_spec.hpp)
    // The same, computed with the sample (and class) weights; a name taken
    // by `metrics` is logged as "weighted_<name>", as Keras 3 does.
    std::vector<metric_spec> weighted_metrics;
};

// model.fit's keyword arguments.
struct fit_arguments {
    int epochs = 1;
    std::int64_t batch_size = 32;
    bool shuffle = true;
    int initial_epoch = 0;              // epochs already done: their shuffles are replayed
    const dataset* validation_data = nullptr;  // evaluated after each epoch (val_loss, ...)
    // The last fraction of the training samples validates instead (before
    // shuffling, as Keras); in [0, 1), not with validation_data.
    double validation_split = 0.0;
    // Class index -> weight of its samples' loss (others 1); sample weights
    // come with the data (dataset::sample_weight).
    std::map<std::int32_t, float> class_weight;
    // Keras's built-in callbacks by their options (EarlyStopping,
    // ReduceLROnPlateau, CSVLogger, TensorBoard, a learning-rate schedule):
    // fit() builds them for the names it logs, checking each monitor
    // before the first step, and runs them in order after the progress
    // display. Their messages go to `out`.
    std::vector<callback_spec> builtin_callbacks;
    std::vector<callback*> callbacks;   // the program's own, run in order after the built-in ones
    int verbose = 2;                    // 0 silent, 1 progress bar, 2 one line per epoch
    bool terminate_on_nan = true;
    std::ostream* out = nullptr;        // progress and callback messages; null: std::cout

    fit_arguments& with_epochs(int n) { epochs = n; return *this; }
    fit_arguments& with_initial_epoch(int n) { initial_epoch = n; return *this; }
    fit_arguments& with_batch_size(std::int64_t n) { batch_size = n; return *this; }
    fit_arguments& with_validation(const dataset& data) { validation_data = &data; return *this; }
    fit_arguments& with_validation_split(double fraction) { validation_split = fraction; return *this; }
    fit_arguments& with_class_weight(std::map<std::int32_t, float> weights) { class_weight = std::move(weights); return *this; }
    fit_arguments& with_callback(callback& c) { callbacks.push_back(&c); return *this; }
    fit_arguments& with_callback(callback_spec options) { builtin_callbacks.push_back(std::move(options)); return *this; }
    fit_arguments& with_verbose(int level) { verbose = level; return *this; }
};

class model {
public:
    // Builds the architecture and initialises its weights from env.seed,
    // as an experiment with that seed does. Throws config_error naming the
    // layer for a bad setting, model_error for shapes that do not fit.
    explicit model(const model_spec& spec, environment env = {});
    model(model&&) noexcept;
    model& operator=(model&&) noexcept;
    ~model();

    // A fresh optimizer; loss and metric names as compile.loss and
    // compile.metrics take them. Throws config_error for unknown names or
    // settings out of range.
    void compile(const compile_options& options);
    bool compiled() const;

    // Trains on `train` (or x and y: inputs [samples, input shape...],
    // targets int32 class indices [samples] or float32 like the outputs).
    // Throws data_error before the first step when the data does not fit
    // the model, model_error when the model is not compiled.
    history fit(const dataset& train, const fit_arguments& args = {});
    history fit(const tensor& x, const tensor& y, const fit_arguments& args = {});

    // Mean loss and metrics, without dropout.
    metric_logs evaluate(const dataset& data, std::int64_t batch_size = 32);
    metric_logs evaluate(const tensor& x, const tensor& y, std::int64_t batch_size = 32);
    // Outputs for every sample of x; needs no compile.
    tensor predict(const tensor& x, std::int64_t batch_size = 32);

    // Weights only (Keras's save_weights): a path without suffix is a
    // TensorFlow checkpoint prefix, ".h5" Keras HDF5; `format` names one.
    void save_weights(const std::string& path, const std::string& format = "") const;
    // By layer name when every name matches, else by position of the layers
    // with weights, as Keras pairs them; nothing changes when they do not fit.
    void load_weights(const std::string& path);
    // The whole model: architecture, weights, and with include_optimizer the
    // compile settings, optimizer state and the epochs trained, so
    // load_model() goes on training where this one stopped.
    void save(const std::string& path, bool include_optimizer = true, const std::string& format = "") const;

    // Keras's summary table.
    void summary(std::ostream& out) const;
    // The architecture, as model files and experiments store it.
    model_spec spec() const;
    // Epochs completed by the last fit (its `epochs`), 0 before any.
    int epochs_done() const;

    mlrun::model& net();
    const mlrun::model& net() const;
    // The compiled trainer (model_error when not compiled).
    trainer& fitter();

private:
    friend model load_model(const std::string& path, environment env);
    struct state;
    explicit model(std::unique_ptr<state> s);
    std::unique_ptr<state> s_;
};

// keras.Sequential(layers) with its input shape (per sample).
model sequential(const std::vector<layer>& layers, std::vector<std::int64_t> input_shape, environment env = {});
// keras.Model(inputs, outputs) of a graph: its last layer is the output.
model functional(const graph& g, environment env = {});
// keras.models.load_model: the architecture, weights and, when the file
// has them, the compile settings and optimizer state (then fit() goes on
// from the saved epoch with fit_arguments::initial_epoch).
model load_model(const std::string& path, environment env = {});

}  // namespace mlrun::keras
