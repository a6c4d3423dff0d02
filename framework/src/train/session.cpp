#include "train/session.hpp"

#include "backend/default_threads.hpp"
#include "callbacks/callbacks_yaml.hpp"
#include "mlrun/model/bf16_support.hpp"

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

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>
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

namespace {

// keras_version is an hdf5 option: given for another format it is a mistake.
void check_keras_version_applies(const std::string& keras_version, const std::string& where, const std::string& path,
                                 const plugin_record& chosen)
{
    if (keras_version.empty() || chosen.name == "hdf5") return;
    throw config_error(where + ": applies to the hdf5 format only; '" + path + "' is written by the " + chosen.name +
                       " format");
}

// What check_model_exportable looks at in the save and checkpoint sections.
struct output_file {
    const char* section;
    std::string path;
    std::string format;  // "": from the path
    bool weights_only;
    std::string keras_version;
};

}  // namespace

void check_output_paths(const experiment& e, const checkpoint_options& checkpointing, const plugin_registry& plugins)
{
    const save_options& save = e.save;
    if (save.enabled()) {
        const plugin_record& chosen = check_output_path(plugins, save.format, save.path, "save.path",
                                                        save.format.empty() ? "" : save.format_where);
        check_keras_version_applies(save.keras_version, save.keras_version_where, save.path, chosen);
        // Keras 3's name for what save_weights writes; the whole model goes to .keras (or .h5).
        const std::string weights_suffix = ".weights.h5";
        if (!save.weights_only && save.path.size() >= weights_suffix.size() &&
            save.path.compare(save.path.size() - weights_suffix.size(), weights_suffix.size(), weights_suffix) == 0) {
            throw config_error("save.path: '" + save.path +
                               "': a .weights.h5 file holds the weights alone, but save.weights_only is false; set "
                               "save.weights_only: true, or save the whole model to a .keras or .h5 name");
        }
    }
    if (!checkpointing.enabled()) return;
    const plugin_record& chosen = check_output_path(plugins, checkpointing.format, checkpointing.path, "checkpoint.path",
                                                    checkpointing.format.empty() ? "" : checkpointing.format_where);
    check_keras_version_applies(checkpointing.keras_version, checkpointing.keras_version_where, checkpointing.path,
                                chosen);
    // Checkpoints are there to be restored and resumed from.
    if (format(chosen).export_only()) {
        throw config_error("checkpoint.path: '" + checkpointing.path + "': the " + chosen.name +
                           " format is export-only, so mlrun could not resume from these checkpoints; export the "
                           "trained model with save.path: " + checkpointing.path);
    }
}

void check_model_exportable(const experiment& e, const model& m, const plugin_registry& plugins)
{
    const checkpoint_options& c = e.checkpoint;
    const output_file outputs[] = {
        {"save", e.save.path, e.save.format, e.save.weights_only, e.save.keras_version},
        {"checkpoint", c.path, c.format, c.save_weights_only, c.keras_version},
    };
    for (const output_file& out : outputs) {
        if (out.path.empty()) continue;
        const std::string key = std::string(out.section) + ".path";
        const format chosen(choose_format(plugins, out.format, out.path, key));
        if (!chosen.checks_model()) continue;
        // A template path ({epoch}) names no file yet: the check writes nothing anyway.
        // The trial save is given what the real one will be.
        format_options trial = {{"source", e.source.file_for("model")}};
        trial.emplace_back("weights_only", out.weights_only ? "true" : "false");
        if (!out.keras_version.empty()) trial.emplace_back("keras_version", out.keras_version);
        try {
            chosen.check_savable(out.path, capture_state(m, nullptr), trial);
        } catch (const io_error& error) {
            throw config_error(key + ": '" + out.path + "': the " + chosen.name() +
                               " format cannot export this model: " + error.what());
        }
    }
}

namespace {

std::int64_t net_output_classes(loaded_model& m) { return m.net().output_shape().element_count(); }

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

// A sample-weight file: relative to data.path, or absolute.
std::string weights_file(const data_options& d, const std::string& name)
{
    return boost::filesystem::path(name).is_absolute() ? name : labels_file(d, name);
}

}  // namespace

std::unique_ptr<backend> make_backend(const plugin_registry& plugins, const std::string& name, int threads,
                                      std::string* thread_note)
{
    std::vector<std::pair<std::string, std::string>> options;
    std::optional<thread_choice> chosen;
    if (threads > 0) {
        options.emplace_back("threads", std::to_string(threads));
    } else {
        // Before the plugin loads: the default also sets how its threads wait.
        chosen = default_threads();
        threads = chosen->threads;
        options.emplace_back("threads", std::to_string(threads));
        options.emplace_back("threads_default", "1");  // the backend may run fewer where that is faster
    }
    auto made = std::make_unique<backend>(plugins.find(MLRUN_PLUGIN_BACKEND, name), options);
    if (thread_note == nullptr) return made;
    const int runs = std::min(threads, made->threads().value_or(threads));
    const std::string fewer = "the " + name + " backend runs its kernels on " + std::to_string(runs) + " of the " +
                              std::to_string(threads) + " it was given";
    if (chosen) {
        *thread_note = runs < threads ? threads_text(runs) + " (backend.threads: 0): " + fewer + ", " + chosen->why
                                      : chosen->reason();
    } else if (runs < threads) {
        *thread_note = threads_text(runs) + " (backend.threads: " + std::to_string(threads) + "): " + fewer;
    }
    return made;
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

namespace {

// The experiment a session runs: its file's, or for a saved model without
// one, the defaults (the file then says what data it was trained on).
experiment experiment_for(const session_options& options, const std::string& model_path)
{
    if (!options.config_path.empty()) return load_experiment(options.config_path, options.overrides);
    if (model_path.empty()) throw usage_error("a session needs an experiment file or a saved model");
    if (!options.overrides.empty()) {
        throw usage_error("overrides such as '" + options.overrides[0] + "' apply to an experiment; give one with --config");
    }
    if (options.load_train_data) {
        throw usage_error("training a saved model needs an experiment for the data and the fit settings (--config)");
    }
    return experiment{};
}

}  // namespace

session::session(const session_options& options, const std::string& model_path, const rank_connector& connect)
    : session(options, model_path, nullptr, connect)
{
}

session::session(const session_options& options, const checkpoint& saved, const std::string& name)
    : session(options, name, &saved, {})
{
}

session::session(const session_options& options, const std::string& model_path, const checkpoint* in_memory,
                 const rank_connector& connect)
    : experiment_(experiment_for(options, model_path))
{
    if (connect) ranks_ = &connect(experiment_.distributed);
    if (ranks_->size() > 1) {
        check_ranks_agree();
        try {
            check_global_batch(experiment_.batch_size, ranks_->size());
        } catch (const config_error& e) {
            throw config_error(experiment_.file + ": " + e.what());
        }
    }
    const bool training = options.load_train_data;
    const bool has_experiment = !options.config_path.empty();
    start_epoch_ = experiment_.initial_epoch;
    seed_ = experiment_.seed;
    plugins_ = std::make_unique<plugin_registry>(plugin_search_order(options.plugin_dirs, experiment_.plugin_search_paths));
    register_layer_plugins(*plugins_);
    if (training) check_output_paths(experiment_, experiment_.checkpoint, *plugins_);  // before the run, not after it

    backend_ = make_backend(*plugins_, experiment_.backend, experiment_.threads, &thread_note_);

    checkpoint saved_model;
    if (in_memory != nullptr) {
        saved_model = *in_memory;
    } else if (!model_path.empty()) {
        const format file_format = format_for_path(*plugins_, model_path);
        file_format.require_loadable(model_path);
        saved_model = file_format.load(model_path);
    }
    if (!model_path.empty() && !training) {
        // Evaluated, predicted or summarised as saved: compiled from the file's own settings.
        loaded_ = load_model(saved_model, model_path, *backend_);
        const auto made_from = saved_model.metadata.find(checkpoint_keys::experiment);
        const std::optional<recorded_data> recorded =
            made_from == saved_model.metadata.end() ? std::nullopt
                                                    : std::optional<recorded_data>(read_recorded_data(made_from->second, model_path));
        if (options.load_test_data && !loaded_->compiled()) {
            // A weights-only checkpoint records the experiment that made it: its loss and metrics evaluate it
            // (evaluating needs no optimizer, so a plain SGD stands in).
            if (!recorded || !recorded->loss) loaded_->fitter();  // says why it cannot be evaluated, before any data is read
            std::vector<metric> metrics = compiled_metrics(recorded->metrics, recorded->weighted_metrics,
                                                           recorded->loss->kind, net_output_classes(*loaded_));
            trainer_ = std::make_unique<trainer>(loaded_->net(), *backend_, loss_function(*recorded->loss),
                                                 make_optimizer(optimizer_spec{sgd_options{}}), std::move(metrics));
        }
        if (!has_experiment && options.load_test_data) {
            // The data the file was trained on, or the experiment it was made from (an architecture file, a checkpoint).
            const std::optional<training_state>& state = loaded_->state();
            if (state && !state->data.empty()) {
                experiment_.data = read_data_text(state->data, model_path + " (training_state.data)");
                experiment_.batch_size = state->batch_size;
            } else if (recorded) {
                experiment_.data = recorded->data;
                experiment_.batch_size = recorded->batch_size;
            } else {
                throw usage_error(model_path + " does not say which data it was trained on; give an experiment whose "
                                               "data section to use with --config");
            }
        }
    }

    const data_options& d = experiment_.data;
    if (training) {
        train_ = load_idx_dataset(d, d.train_images, d.train_labels, d.train_take, d.kind + " train");
        if (!d.train_sample_weight.empty()) load_sample_weights(train_, weights_file(d, d.train_sample_weight));
    }
    if (options.load_test_data) {
        test_ = load_idx_dataset(d, d.test_images, d.test_labels, d.test_take, d.kind + " test");
        if (!d.test_sample_weight.empty()) load_sample_weights(test_, weights_file(d, d.test_sample_weight));
    }

    if (loaded_) {
        net_ = &loaded_->net();
    } else if (model_path.empty()) {
        model_ = build_model(experiment_.model, experiment_.source.file_for("model"), test_.x.dims().without_batch(),
                             experiment_.policy);
        rng init(derive_seed(experiment_.seed, 0));
        model_->build(init);
        net_ = model_.get();
    } else {
        model_ = build_saved_architecture(saved_model, model_path);
        net_ = model_.get();
    }
    if (training) {
        check_bf16_support(*net_, *backend_, experiment_.bf16, experiment_.bf16_where, std::cerr);
    }
    if (!model_path.empty()) {
        // A saved model takes the experiment's samples in its own shape (flattened or not).
        for (dataset* split : {&train_, &test_}) {
            const shape sample = split->x.dims().without_batch();
            if (split->size() > 0 && sample != net_->input_shape() &&
                sample.element_count() == net_->input_shape().element_count()) {
                split->x.reshape(net_->input_shape().with_batch(split->size()));
            }
        }
    }
    for (dataset* split : {&train_, &test_}) add_channel_axis(*split, net_->input_shape());
    if (options.load_test_data && net_->input_shape() != test_.x.dims().without_batch()) {
        throw model_error((model_path.empty() ? "" : model_path + ": ") + "the model takes inputs of shape " +
                          net_->input_shape().to_string() + " but " + experiment_.data.path +
                          " holds samples of shape " + test_.x.dims().without_batch().to_string() +
                          (test_.x.dims().rank() > 2 ? "; set data.flatten: true, start the model with Flatten, or take images with a channels axis (input_shape: " +
                                   channels_last_text(test_.x.dims().without_batch()) + ")" : ""));
    }
    callbacks_ = std::make_unique<callback_set>();
    if (loaded_) return;  // compiled as the file says
    if (training) check_model_exportable(experiment_, *model_, *plugins_);

    const loss_spec& loss_settings = experiment_.loss;
    const loss_kind loss = loss_settings.kind;
    if (loss == loss_kind::sparse_categorical_crossentropy) {
        const std::int64_t classes = model_->output_shape().element_count();
        if (training) check_labels(train_, labels_file(d, d.train_labels), classes);
        check_labels(test_, labels_file(d, d.test_labels), classes);
    }
    loss_function objective(loss_settings);
    try {
        if (training) objective.check_targets_fit(model_->output_shape(), train_.y);
        if (options.load_test_data) objective.check_targets_fit(model_->output_shape(), test_.y);
    } catch (const data_error& e) {
        throw config_error(experiment_.loss_where + ": compile.loss: " + e.what() + " (" + experiment_.data.path + ")");
    }
    // The specs were checked when the experiment was read; what is left to
    // check is whether the data's targets fit each metric (after the loss,
    // whose refusal names the loss that would fit).
    std::vector<metric> metrics = compiled_metrics(experiment_.metrics, experiment_.weighted_metrics, loss,
                                                   model_->output_shape().element_count());
    for (std::size_t i = 0; i < metrics.size(); ++i) {
        const bool weighted = i >= experiment_.metrics.size();
        const std::string& where = weighted ? experiment_.weighted_metrics_where[i - experiment_.metrics.size()]
                                            : experiment_.metrics_where[i];
        try {
            if (options.load_train_data) metrics[i].check_targets_fit(model_->output_shape(), train_.y);
            metrics[i].check_targets_fit(model_->output_shape(), test_.y);
        } catch (const data_error& e) {
            throw config_error(where + ": " + e.what() + " (" + experiment_.data.path + ")");
        }
    }

    trainer_ = std::make_unique<trainer>(*model_, *backend_, objective,
                                         make_optimizer(experiment_.optimizer),
                                         std::move(metrics));
    if (!model_path.empty()) go_on_from(saved_model, model_path, training);
    // Built here so a bad callback setting fails before any training.
    if (training) {
        callbacks_ = make_experiment_callbacks(experiment_, trainer_->steps_per_epoch(
                                     training_samples(train_.size(), experiment_.validation_split), experiment_.batch_size));
    }
}

trainer& session::fitter()
{
    return trainer_ ? *trainer_ : loaded_->fitter();
}

tensor session::predict(const tensor& x, std::int64_t batch_size)
{
    return loaded_ ? loaded_->predict(x, batch_size) : trainer_->predict(x, batch_size);
}

void session::check_ranks_agree()
{
    // FNV-1a of the resolved experiment as YAML: files, overrides and defaults all show in it.
    const std::string text = YAML::Dump(experiment_.resolved);
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    std::uint64_t lowest = hash;
    std::uint64_t highest = hash;
    ranks_->min(&lowest, 1);
    ranks_->max(&highest, 1);
    if (lowest == highest) return;
    throw distributed_error(experiment_.file + ": the resolved experiment of " +
                            ranks_differing_from_root(*ranks_, hash) + " differs from rank 0's (of " +
                            std::to_string(ranks_->size()) +
                            " ranks); every rank must train the same experiment: give each the same file and "
                            "overrides (`mlrun config dump` on each host shows what it resolves to)");
}

void session::broadcast_weights()
{
    for (parameter* p : model_->parameters()) ranks_->broadcast(p->value.bytes(), p->value.byte_size(), 0);
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
    if (!trainer_) {
        throw usage_error("this session was made to evaluate, predict or summarise (no training data loaded)");
    }
    fit_options options;
    options.epochs = experiment_.epochs;
    options.batch_size = experiment_.batch_size;
    options.shuffle = experiment_.shuffle;
    options.seed = seed_;
    options.initial_epoch = start_epoch_;
    options.validation = experiment_.validate_on_test ? &test_ : nullptr;
    options.validation_split = experiment_.validation_split;
    options.class_weight = experiment_.class_weight;
    options.terminate_on_nan = experiment_.terminate_on_nan;
    options.ranks = ranks_;
    options.distributed = experiment_.distributed;
    // Only rank 0 prints and writes logs; the others train silently.
    std::ostream silent(nullptr);
    std::ostream& shown = is_root() ? out : silent;
    options.warnings = &shown;

    int verbose = experiment_.verbose;
    if (verbose < 0) verbose = ::isatty(STDOUT_FILENO) ? 1 : 2;
    progress_printer progress(shown, verbose, options.epochs,
                              trainer_->steps_per_epoch(training_samples(train_.size(), options.validation_split),
                                                        options.batch_size));
    std::vector<callback*> callbacks = {&progress};
    options.log_learning_rate = callbacks_->logs_learning_rate();
    const std::vector<callback*> configured = is_root() ? callbacks_->list() : callbacks_->list_without_file_writers();
    callbacks.insert(callbacks.end(), configured.begin(), configured.end());
    // Rank 0 locks the directory (and creates it) before the others read it.
    std::unique_ptr<checkpoint_manager> files;
    if (experiment_.checkpoint.enabled() && is_root()) files = std::make_unique<checkpoint_manager>(experiment_.checkpoint, *plugins_, shown);
    ranks_->barrier();
    if (experiment_.checkpoint.enabled() && !is_root()) {
        files = std::make_unique<checkpoint_manager>(experiment_.checkpoint, *plugins_, shown, false);
    }
    if (files) files->set_ranks(ranks_);
    std::unique_ptr<model_checkpoint> saver;
    if (files) {
        training_state run;
        run.seed = seed_;
        run.batch_size = experiment_.batch_size;
        run.shuffle = experiment_.shuffle;
        saver = make_model_checkpoint(experiment_, *files, run, start_epoch_, shown);
        saver->set_callback_state_source(callbacks_.get());
        callbacks.push_back(saver.get());
    }
    if (const std::optional<resumed> r = resume_from_latest(experiment_, files.get(), *model_, trainer_->get_optimizer(),
                                                            *callbacks_, resume_mode_for(experiment_, resume_), shown)) {
        options.resume_at = r->state;
        if (saver) saver->resume_from(r->state.best);
    }
    if (ranks_->size() > 1) broadcast_weights();
    first_epoch_ = options.resume_at ? options.resume_at->epoch : options.initial_epoch;
    // After the saver, so a step it has just saved is not saved twice.
    // Under mpirun the ranks agree on the step to stop (and save) at (docs/distributed.md).
    signal_stop stopper(experiment_.save_on_signal ? saver.get() : nullptr);
    callbacks.push_back(&stopper);
    callbacks.insert(callbacks.end(), extra_callbacks.begin(), extra_callbacks.end());
    // `out` lives only through this call.
    callbacks_->set_messages(verbose != 0 ? &shown : nullptr);
    struct forget_messages {
        callback_set& c;
        ~forget_messages() { c.set_messages(nullptr); }
    } guard{*callbacks_};
    history trained = trainer_->fit(train_, options, callbacks);
    if (ranks_->size() > 1) stopper.agree_after_training(*ranks_);
    return trained;
}

}  // namespace mlrun
