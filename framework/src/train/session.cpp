#include "mlrun/train/session.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/config/schema.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "model/model_yaml.hpp"
#include "optim/optimizer_yaml.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "mlrun/train/model_checkpoint.hpp"
#include "mlrun/train/progress_printer.hpp"
#include "mlrun/train/signal_stop.hpp"

#include <boost/filesystem/path.hpp>

#include <unistd.h>

#include <thread>

namespace mlrun {

std::vector<boost::filesystem::path> plugin_search_order(const std::vector<boost::filesystem::path>& command_line,
                                                         const std::vector<std::string>& from_experiment)
{
    std::vector<boost::filesystem::path> directories = command_line;
    for (const auto& d : plugin_registry::environment_directories()) directories.push_back(d);
    for (const std::string& d : from_experiment) directories.emplace_back(d);
    directories.push_back(plugin_registry::bundled_directory());
    return directories;
}

void check_output_paths(const experiment& e, const plugin_registry& plugins)
{
    for (const std::string section : {"save", "checkpoint"}) {
        const YAML::Node keys = e.resolved[section];
        const std::string path = keys.IsMap() ? keys["path"].as<std::string>() : "";
        if (path.empty()) continue;
        const std::string requested = keys["format"].as<std::string>();
        const std::string format_key = section + ".format";
        const plugin_record& chosen =
            requested == "auto" ? check_output_path(plugins, "", path, section + ".path")
                                : check_output_path(plugins, requested, path, section + ".path",
                                                    position(e.source.file_for(format_key), keys["format"]) + ": " +
                                                        format_key);
        if (keys["keras_version"].as<std::string>() != "auto" && chosen.name != "hdf5") {
            throw config_error(position(e.source.file_for(section + ".keras_version"), keys["keras_version"]) + ": " +
                               section + ".keras_version: applies to the hdf5 format only; '" + path +
                               "' is written by the " + chosen.name + " format");
        }
        // Checkpoints are there to be restored and resumed from.
        if (section == "checkpoint" && format(chosen).export_only()) {
            throw config_error("checkpoint.path: '" + path + "': the " + chosen.name +
                               " format is export-only, so mlrun could not resume from these checkpoints; export the "
                               "trained model with save.path: " + path);
        }
    }
}

void check_model_exportable(const experiment& e, const model& m, const plugin_registry& plugins)
{
    for (const std::string section : {"save", "checkpoint"}) {
        const YAML::Node keys = e.resolved[section];
        const std::string path = keys.IsMap() ? keys["path"].as<std::string>() : "";
        if (path.empty()) continue;
        const std::string requested = keys["format"].as<std::string>();
        const format chosen(choose_format(plugins, requested == "auto" ? "" : requested, path, section + ".path"));
        if (!chosen.checks_model()) continue;
        // A template path ({epoch}) names no file yet: the check writes nothing anyway.
        try {
            chosen.check_savable(path, capture_state(m, nullptr), {{"source", e.source.file_for("model")}});
        } catch (const io_error& error) {
            throw config_error(section + ".path: '" + path + "': the " + chosen.name() +
                               " format cannot export this model: " + error.what());
        }
    }
}

namespace {

// Sparse labels index the model's outputs: one outside [0, classes) is the
// data's mistake, so it is found before any step, not inside a kernel.
void check_labels(const dataset& data, const std::string& file, std::int64_t classes)
{
    if (data.y.type() != dtype::int32) return;
    const std::int32_t* labels = data.y.data<std::int32_t>();
    for (std::int64_t i = 0; i < data.y.size(); ++i) {
        if (labels[i] < 0 || labels[i] >= classes) {
            throw data_error(file + ": label #" + std::to_string(i) + ": expected a class from 0 to " +
                             std::to_string(classes - 1) + " (the model has " + std::to_string(classes) +
                             " outputs), found " + std::to_string(labels[i]));
        }
    }
}

std::string labels_file(const data_options& d, const std::string& labels)
{
    return (boost::filesystem::path(d.path) / labels).string();
}

}  // namespace

int default_thread_count()
{
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : static_cast<int>(cores);
}

session::session(const session_options& options)
    : experiment_(load_experiment(options.config_path, options.overrides))
{
    plugins_ = std::make_unique<plugin_registry>(plugin_search_order(options.plugin_dirs, experiment_.plugin_search_paths));
    register_layer_plugins(*plugins_);
    if (options.load_train_data) check_output_paths(experiment_, *plugins_);  // before the run, not after it

    const int threads = experiment_.threads > 0 ? experiment_.threads : default_thread_count();
    backend_ = std::make_unique<backend>(plugins_->find(MLRUN_PLUGIN_BACKEND, experiment_.backend),
                                         std::vector<std::pair<std::string, std::string>>{
                                             {"threads", std::to_string(threads)}});

    const data_options& d = experiment_.data;
    if (options.load_train_data) {
        train_ = load_idx_dataset(d, d.train_images, d.train_labels, d.train_take, d.kind + " train");
    }
    test_ = load_idx_dataset(d, d.test_images, d.test_labels, d.test_take, d.kind + " test");

    model_ = build_model(experiment_.model, experiment_.source.file_for("model"), test_.x.dims().without_batch());
    rng init(derive_seed(experiment_.seed, 0));
    model_->build(init);
    if (model_->input_shape() != test_.x.dims().without_batch()) {
        throw model_error("the model takes inputs of shape " + model_->input_shape().to_string() + " but " +
                          experiment_.data.path + " holds samples of shape " +
                          test_.x.dims().without_batch().to_string() +
                          (test_.x.dims().rank() > 2 ? "; set data.flatten: true or start the model with Flatten"
                                                     : ""));
    }
    if (options.load_train_data) check_model_exportable(experiment_, *model_, *plugins_);

    const loss_kind loss = parse_loss(experiment_.loss);
    if (loss == loss_kind::sparse_categorical_crossentropy) {
        const std::int64_t classes = model_->output_shape().element_count();
        if (options.load_train_data) check_labels(train_, labels_file(d, d.train_labels), classes);
        check_labels(test_, labels_file(d, d.test_labels), classes);
    }
    std::vector<accuracy_metric> metrics;
    const YAML::Node metric_nodes = experiment_.resolved["compile"]["metrics"];
    for (std::size_t i = 0; i < experiment_.metrics.size(); ++i) {
        const std::string& name = experiment_.metrics[i];
        try {
            metrics.emplace_back(name, parse_accuracy(name, loss, model_->output_shape().element_count()));
        } catch (const config_error& e) {
            throw config_error(position(experiment_.source.file_for("compile.metrics"), metric_nodes[i]) +
                               ": compile.metrics: " + e.what());
        }
    }

    trainer_ = std::make_unique<trainer>(*model_, *backend_, loss_function(loss),
                                         make_optimizer(experiment_.optimizer),
                                         std::move(metrics));
    // Built here so a bad callback setting fails before any training.
    callbacks_ = options.load_train_data
                     ? std::make_unique<experiment_callbacks>(
                           experiment_, trainer_->steps_per_epoch(train_.size(), experiment_.batch_size))
                     : std::make_unique<experiment_callbacks>();
}

history session::fit(std::ostream& out, const std::vector<callback*>& extra_callbacks)
{
    fit_options options;
    options.epochs = experiment_.epochs;
    options.batch_size = experiment_.batch_size;
    options.shuffle = experiment_.shuffle;
    options.seed = experiment_.seed;
    options.initial_epoch = experiment_.initial_epoch;
    options.validation = experiment_.validate_on_test ? &test_ : nullptr;
    options.terminate_on_nan = experiment_.terminate_on_nan;
    options.warnings = &out;

    int verbose = experiment_.verbose;
    if (verbose < 0) verbose = ::isatty(STDOUT_FILENO) ? 1 : 2;
    progress_printer progress(out, verbose, options.epochs,
                              trainer_->steps_per_epoch(train_.size(), options.batch_size));
    std::vector<callback*> callbacks = {&progress};
    options.log_learning_rate = callbacks_->logs_learning_rate();
    const std::vector<callback*> configured = callbacks_->list();
    callbacks.insert(callbacks.end(), configured.begin(), configured.end());
    const std::unique_ptr<model_checkpoint> saver = make_model_checkpoint(experiment_, *plugins_, out);
    if (saver) {
        saver->set_callback_state_source(callbacks_.get());
        callbacks.push_back(saver.get());
    }
    if (const std::optional<resumed> r = resume_from_latest(experiment_, *plugins_, *model_, trainer_->get_optimizer(),
                                                            *callbacks_, resume_mode_for(experiment_, resume_), out)) {
        options.resume_at = r->state.position;
        if (saver) saver->resume_from(r->state.best);
    }
    first_epoch_ = options.resume_at ? options.resume_at->epoch : options.initial_epoch;
    // After the saver, so a step it has just saved is not saved twice.
    const bool save_on_signal = experiment_.resolved["fit"]["on_signal"].as<std::string>() == "save_and_exit";
    signal_stop stopper(save_on_signal ? saver.get() : nullptr);
    callbacks.push_back(&stopper);
    callbacks.insert(callbacks.end(), extra_callbacks.begin(), extra_callbacks.end());
    // `out` lives only through this call.
    callbacks_->set_messages(verbose != 0 ? &out : nullptr);
    struct forget_messages {
        experiment_callbacks& c;
        ~forget_messages() { c.set_messages(nullptr); }
    } guard{*callbacks_};
    return trainer_->fit(train_, options, callbacks);
}

}  // namespace mlrun
