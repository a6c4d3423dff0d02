#include "train/session.hpp"

#include "callbacks/callbacks_yaml.hpp"

#include "mlrun/checkpoint/checkpoint_manager.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "config/bounded_yaml.hpp"
#include "config/schema.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "model/model_yaml.hpp"
#include "optim/optimizer_yaml.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "mlrun/train/model_checkpoint.hpp"
#include "mlrun/train/progress_printer.hpp"
#include "mlrun/train/signal_stop.hpp"

#include <boost/filesystem/path.hpp>

#include <unistd.h>

#include <cctype>
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

// keras_version is an hdf5 option: given for another format it is a mistake.
void check_keras_version_applies(const experiment& e, const std::string& section, const std::string& path,
                                 const plugin_record& chosen)
{
    const YAML::Node version = e.resolved[section]["keras_version"];
    if (version.as<std::string>() == "auto" || chosen.name == "hdf5") return;
    throw config_error(position(e.source.file_for(section + ".keras_version"), version) + ": " + section +
                       ".keras_version: applies to the hdf5 format only; '" + path + "' is written by the " +
                       chosen.name + " format");
}

void check_output_paths(const experiment& e, const checkpoint_options& checkpointing, const plugin_registry& plugins)
{
    const YAML::Node save = e.resolved["save"];
    if (const std::string path = save.IsMap() ? save["path"].as<std::string>() : ""; !path.empty()) {
        const std::string requested = save["format"].as<std::string>();
        const plugin_record& chosen =
            requested == "auto" ? check_output_path(plugins, "", path, "save.path")
                                : check_output_path(plugins, requested, path, "save.path",
                                                    position(e.source.file_for("save.format"), save["format"]) +
                                                        ": save.format");
        check_keras_version_applies(e, "save", path, chosen);
    }
    if (!checkpointing.enabled()) return;
    const plugin_record& chosen = check_output_path(plugins, checkpointing.format, checkpointing.path, "checkpoint.path",
                                                    checkpointing.format.empty() ? "" : checkpointing.format_where);
    check_keras_version_applies(e, "checkpoint", checkpointing.path, chosen);
    // Checkpoints are there to be restored and resumed from.
    if (format(chosen).export_only()) {
        throw config_error("checkpoint.path: '" + checkpointing.path + "': the " + chosen.name +
                           " format is export-only, so mlrun could not resume from these checkpoints; export the "
                           "trained model with save.path: " + checkpointing.path);
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
        // The trial save is given what the real one will be.
        format_options trial = {{"source", e.source.file_for("model")}};
        const bool weights_only = keys[section == "save" ? "weights_only" : "save_weights_only"].as<bool>();
        trial.emplace_back("weights_only", weights_only ? "true" : "false");
        if (const std::string v = keys["keras_version"].as<std::string>(); v != "auto") trial.emplace_back("keras_version", v);
        try {
            chosen.check_savable(path, capture_state(m, nullptr), trial);
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

std::string lower(std::string text)
{
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
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

std::unique_ptr<backend> make_backend(const plugin_registry& plugins, const std::string& name, int threads)
{
    return std::make_unique<backend>(plugins.find(MLRUN_PLUGIN_BACKEND, name),
                                     std::vector<std::pair<std::string, std::string>>{
                                         {"threads", std::to_string(threads > 0 ? threads : default_thread_count())}});
}

namespace {

// "[28, 28, 1]": a sample shape with a channels axis, as an experiment's input_shape writes it.
std::string channels_last_text(const shape& sample)
{
    std::string text = "[";
    for (std::int64_t d : sample.dims()) text += std::to_string(d) + ", ";
    return text + "1]";
}

}  // namespace

session::session(const session_options& options, const std::string& model_path)
    : experiment_(load_experiment(options.config_path, options.overrides))
{
    checkpointing_ = read_checkpoint_options(experiment_);
    start_epoch_ = experiment_.initial_epoch;
    seed_ = experiment_.seed;
    plugins_ = std::make_unique<plugin_registry>(plugin_search_order(options.plugin_dirs, experiment_.plugin_search_paths));
    register_layer_plugins(*plugins_);
    if (options.load_train_data) check_output_paths(experiment_, checkpointing_, *plugins_);  // before the run, not after it

    backend_ = make_backend(*plugins_, experiment_.backend, experiment_.threads);

    const data_options& d = experiment_.data;
    if (options.load_train_data) {
        train_ = load_idx_dataset(d, d.train_images, d.train_labels, d.train_take, d.kind + " train");
    }
    test_ = load_idx_dataset(d, d.test_images, d.test_labels, d.test_take, d.kind + " test");

    checkpoint saved_model;
    if (model_path.empty()) {
        model_ = build_model(experiment_.model, experiment_.source.file_for("model"), test_.x.dims().without_batch());
        rng init(derive_seed(experiment_.seed, 0));
        model_->build(init);
    } else {
        const format file_format = format_for_path(*plugins_, model_path);
        file_format.require_loadable(model_path);
        saved_model = file_format.load(model_path);
        model_ = build_saved_architecture(saved_model, model_path);
        // A saved model takes the experiment's samples in its own shape (flattened or not).
        for (dataset* split : {&train_, &test_}) {
            const shape sample = split->x.dims().without_batch();
            if (split->size() > 0 && sample != model_->input_shape() &&
                sample.element_count() == model_->input_shape().element_count()) {
                split->x.reshape(model_->input_shape().with_batch(split->size()));
            }
        }
    }
    for (dataset* split : {&train_, &test_}) add_channel_axis(*split, model_->input_shape());
    if (model_->input_shape() != test_.x.dims().without_batch()) {
        throw model_error((model_path.empty() ? "" : model_path + ": ") + "the model takes inputs of shape " +
                          model_->input_shape().to_string() + " but " + experiment_.data.path +
                          " holds samples of shape " + test_.x.dims().without_batch().to_string() +
                          (test_.x.dims().rank() > 2 ? "; set data.flatten: true, start the model with Flatten, or take images with a channels axis (input_shape: " +
                                   channels_last_text(test_.x.dims().without_batch()) + ")" : ""));
    }
    if (options.load_train_data) check_model_exportable(experiment_, *model_, *plugins_);

    const loss_spec& loss_settings = experiment_.loss;
    const loss_kind loss = loss_settings.kind;
    if (loss == loss_kind::sparse_categorical_crossentropy) {
        const std::int64_t classes = model_->output_shape().element_count();
        if (options.load_train_data) check_labels(train_, labels_file(d, d.train_labels), classes);
        check_labels(test_, labels_file(d, d.test_labels), classes);
    }
    loss_function objective(loss_settings);
    try {
        if (options.load_train_data) objective.check_targets_fit(model_->output_shape(), train_.y);
        objective.check_targets_fit(model_->output_shape(), test_.y);
    } catch (const data_error& e) {
        throw config_error(position(experiment_.source.file_for("compile.loss"), experiment_.resolved["compile"]["loss"]) +
                           ": compile.loss: " + e.what() + " (" + experiment_.data.path + ")");
    }
    // The specs were checked when the experiment was read; what is left to
    // check is whether the data's targets fit each metric (after the loss,
    // whose refusal names the loss that would fit).
    std::vector<metric> metrics;
    const YAML::Node metric_nodes = experiment_.resolved["compile"]["metrics"];
    for (std::size_t i = 0; i < experiment_.metrics.size(); ++i) {
        metrics.emplace_back(experiment_.metrics[i], loss, model_->output_shape().element_count());
        try {
            if (options.load_train_data) metrics.back().check_targets_fit(model_->output_shape(), train_.y);
            metrics.back().check_targets_fit(model_->output_shape(), test_.y);
        } catch (const data_error& e) {
            throw config_error(position(experiment_.source.file_for("compile.metrics"), metric_nodes[i]) +
                               ": compile.metrics: " + e.what() + " (" + experiment_.data.path + ")");
        }
    }

    trainer_ = std::make_unique<trainer>(*model_, *backend_, objective,
                                         make_optimizer(experiment_.optimizer),
                                         std::move(metrics));
    if (!model_path.empty()) go_on_from(saved_model, model_path, options.load_train_data);
    // Built here so a bad callback setting fails before any training.
    callbacks_ = options.load_train_data
                     ? make_experiment_callbacks(experiment_,
                                                 trainer_->steps_per_epoch(train_.size(), experiment_.batch_size))
                     : std::make_unique<callback_set>();
}

void session::go_on_from(const checkpoint& saved, const std::string& path, bool training)
{
    optimizer& opt = trainer_->get_optimizer();
    // The file's optimizer state carries over to an optimizer of its class
    // (whose settings, the learning rate included, the experiment gives);
    // another class starts afresh.
    std::string saved_class;
    if (const auto it = saved.metadata.find(checkpoint_keys::optimizer_config); it != saved.metadata.end()) {
        try {
            saved_class = load_bounded_yaml(it->second)["name"].as<std::string>("");
        } catch (const YAML::Exception&) {
            saved_class.clear();  // no usable optimizer state: weights only
        }
    }
    const bool same_class = !saved_class.empty() && lower(saved_class) == lower(opt.class_name());
    restore_state(*model_, same_class ? &opt : nullptr, same_class ? saved : weights_paired_with(*model_, saved, path),
                  false, path);
    if (!same_class && !saved_class.empty()) {
        optimizer_note_ = path + " was trained with " + saved_class + "; compile.optimizer is " + opt.class_name() +
                          ", which starts with fresh state";
    }
    if (const auto it = saved.metadata.find(checkpoint_keys::training_state); it != saved.metadata.end()) {
        const training_state state = parse_training_state(it->second, path);
        start_epoch_ = state.epochs_done;
        seed_ = state.seed;  // shuffles of the epochs done are replayed from it
    }
    if (training && start_epoch_ >= experiment_.epochs) {
        throw config_error(experiment_.file + ": fit.epochs: expected more than the " + std::to_string(start_epoch_) +
                           " epochs " + path +
                           " has already trained (fit.epochs is the epoch to stop at, as Keras's epochs with "
                           "initial_epoch), found " + std::to_string(experiment_.epochs) + "; e.g. fit.epochs=" +
                           std::to_string(start_epoch_ + 5));
    }
}

history session::fit(std::ostream& out, const std::vector<callback*>& extra_callbacks)
{
    fit_options options;
    options.epochs = experiment_.epochs;
    options.batch_size = experiment_.batch_size;
    options.shuffle = experiment_.shuffle;
    options.seed = seed_;
    options.initial_epoch = start_epoch_;
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
    // Locks the checkpoint directory before resume reads it.
    const std::unique_ptr<checkpoint_manager> files =
        checkpointing_.enabled() ? std::make_unique<checkpoint_manager>(checkpointing_, *plugins_, out) : nullptr;
    std::unique_ptr<model_checkpoint> saver;
    if (files) {
        training_state run;
        run.seed = seed_;
        run.batch_size = experiment_.batch_size;
        run.shuffle = experiment_.shuffle;
        saver = make_model_checkpoint(experiment_, *files, run, start_epoch_, out);
        saver->set_callback_state_source(callbacks_.get());
        callbacks.push_back(saver.get());
    }
    if (const std::optional<resumed> r = resume_from_latest(experiment_, files.get(), *model_, trainer_->get_optimizer(),
                                                            *callbacks_, resume_mode_for(experiment_, resume_), out)) {
        options.resume_at = r->state;
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
        callback_set& c;
        ~forget_messages() { c.set_messages(nullptr); }
    } guard{*callbacks_};
    return trainer_->fit(train_, options, callbacks);
}

}  // namespace mlrun
