#include "mlrun/keras/model.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/model/bf16_support.hpp"
#include "mlrun/callbacks/callback_set.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"
#include "mlrun/keras/graph.hpp"
#include "mlrun/keras/model_checkpoint.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "mlrun/train/progress_printer.hpp"
#include "train/session.hpp"
#include "metrics/metric_yaml.hpp"
#include "model/model_yaml.hpp"

#include <boost/filesystem/operations.hpp>
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <iostream>

namespace mlrun::keras {

struct model::state {
    environment env;
    std::unique_ptr<plugin_registry> plugins;
    std::unique_ptr<backend> compute;
    std::unique_ptr<mlrun::model> net;
    std::unique_ptr<trainer> fitter;
    compile_options compiled_with;
    int epochs_done = 0;
    std::int64_t batch_size = 32;  // of the last fit, recorded by save()
    bool shuffle = true;
    bool bf16_checked = false;  // whether fit has said how bf16 runs (or refused)

    explicit state(environment e) : env(std::move(e))
    {
        std::vector<boost::filesystem::path> dirs(env.plugin_dirs.begin(), env.plugin_dirs.end());
        plugins = std::make_unique<plugin_registry>(plugin_search_order(dirs, {}));
        register_layer_plugins(*plugins);
        compute = make_backend(*plugins, env.backend, env.threads);
    }

    trainer& require_compiled(const char* what)
    {
        if (!fitter) throw model_error(std::string("keras::model::") + what + ": compile the model first");
        return *fitter;
    }

    // The data's samples must be the model's inputs; sparse labels must
    // index its outputs. Checked before any step, as a run checks its data.
    void check_fits(const dataset& data) const
    {
        const shape sample = data.x.dims().rank() == 0 ? shape{} : data.x.dims().without_batch();
        if (sample != net->input_shape()) {
            throw data_error(data.name + ": the model takes inputs of shape " + net->input_shape().to_string() +
                             ", the data's samples are " + sample.to_string());
        }
        if (data.y.dims().rank() == 0 || data.y.dims()[0] != data.size()) {
            throw data_error(data.name + ": " + std::to_string(data.size()) + " inputs but targets of shape " +
                             data.y.dims().to_string());
        }
        if (data.y.type() != dtype::int32) return;
        const std::int64_t classes = net->output_shape().element_count();
        const std::int32_t* labels = data.y.data<std::int32_t>();
        for (std::int64_t i = 0; i < data.y.size(); ++i) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw data_error(data.name + ": label #" + std::to_string(i) + ": expected a class from 0 to " +
                                 std::to_string(classes - 1) + " (the model has " + std::to_string(classes) +
                                 " outputs), found " + std::to_string(labels[i]));
            }
        }
    }

    std::vector<std::string> log_names(bool validation) const
    {
        std::vector<std::string> names = {"loss"};
        for (const std::string& name : metric_log_names(compiled_with.metrics, compiled_with.weighted_metrics)) {
            names.push_back(name);
        }
        if (validation) {
            const std::size_t logged = names.size();
            for (std::size_t i = 0; i < logged; ++i) names.push_back("val_" + names[i]);
        }
        return names;
    }
};

namespace {

dataset wrap(const tensor& x, const tensor& y, const std::string& name)
{
    dataset d;
    d.name = name;
    d.x = x;
    d.y = y;
    return d;
}

// Keras makes the directories a save names, so a first save to
// "training_2/cp-0000.ckpt" works.
void make_parent_directory(const std::string& path)
{
    const boost::filesystem::path parent = boost::filesystem::path(path).parent_path();
    if (parent.empty()) return;
    boost::system::error_code ec;
    boost::filesystem::create_directories(parent, ec);
    if (ec) throw io_error(path + ": cannot create the directory " + parent.string() + ": " + ec.message());
}

}  // namespace

model::model(const model_spec& spec, environment env) : s_(std::make_unique<state>(std::move(env)))
{
    model_spec with_policy = spec;
    if (with_policy.policy == dtype_policy::float32) with_policy.policy = s_->env.policy;
    s_->net = build_model(with_policy, std::nullopt);
    rng init(derive_seed(s_->env.seed, 0));  // the stream an experiment's initialisation uses
    s_->net->build(init);
}

model::model(std::unique_ptr<state> s) : s_(std::move(s)) {}
model::model(model&&) noexcept = default;
model& model::operator=(model&&) noexcept = default;
model::~model() = default;

void model::compile(const compile_options& options)
{
    const loss_kind kind = options.loss.kind;
    std::vector<metric> metrics =
        compiled_metrics(options.metrics, options.weighted_metrics, kind, s_->net->output_shape().element_count());
    s_->fitter = std::make_unique<trainer>(*s_->net, *s_->compute, loss_function(options.loss),
                                           make_optimizer(options.optimizer), std::move(metrics));
    s_->compiled_with = options;
}

bool model::compiled() const { return s_->fitter != nullptr; }

history model::fit(const dataset& train, const fit_arguments& args)
{
    trainer& t = s_->require_compiled("fit");
    s_->check_fits(train);
    if (args.validation_data != nullptr) s_->check_fits(*args.validation_data);
    std::ostream& out = args.out != nullptr ? *args.out : std::cout;
    if (!s_->bf16_checked) {  // once per model, before its first step
        check_bf16_support(*s_->net, *s_->compute, s_->env.bf16, "keras::environment::bf16", out);
        s_->bf16_checked = true;
    }

    fit_options options;
    options.epochs = args.epochs;
    options.batch_size = args.batch_size;
    options.shuffle = args.shuffle;
    options.seed = s_->env.seed;
    options.initial_epoch = args.initial_epoch;
    options.validation = args.validation_data;
    options.validation_split = args.validation_split;
    options.class_weight = args.class_weight;
    options.terminate_on_nan = args.terminate_on_nan;
    options.warnings = &out;
    const bool validating = args.validation_data != nullptr || args.validation_split > 0.0;

    const std::int64_t steps_per_epoch =
        t.steps_per_epoch(training_samples(train.size(), args.validation_split), options.batch_size);
    progress_printer progress(out, args.verbose, options.epochs, steps_per_epoch);
    std::vector<callback*> callbacks = {&progress};
    // Checked here, before the first step: a monitor the logs will not hold, a bad setting.
    callback_set builtin(args.builtin_callbacks, s_->log_names(validating), steps_per_epoch);
    builtin.set_messages(args.verbose != 0 ? &out : nullptr);
    options.log_learning_rate = builtin.logs_learning_rate();
    const std::vector<callback*> built = builtin.list();
    callbacks.insert(callbacks.end(), built.begin(), built.end());
    std::map<std::string, std::string> metadata;
    metadata[checkpoint_keys::loss] = loss_text(s_->compiled_with.loss);
    metadata[checkpoint_keys::backend] = s_->env.backend;
    put_metrics_metadata(metadata, s_->compiled_with.metrics, s_->compiled_with.weighted_metrics);
    for (callback* c : args.callbacks) {
        if (auto* saver = dynamic_cast<model_checkpoint*>(c)) {
            std::vector<std::string> logged = s_->log_names(validating);
            if (options.log_learning_rate) logged.push_back("lr");
            saver->prepare(*s_->plugins, logged, metadata, options.seed,
                           options.batch_size, options.shuffle, options.initial_epoch, out);
        }
        callbacks.push_back(c);
    }
    history h = t.fit(train, options, callbacks);
    s_->epochs_done = args.initial_epoch + static_cast<int>(h.epochs.size());
    s_->batch_size = args.batch_size;
    s_->shuffle = args.shuffle;
    return h;
}

history model::fit(const tensor& x, const tensor& y, const fit_arguments& args)
{
    return fit(wrap(x, y, "fit data"), args);
}

metric_logs model::evaluate(const dataset& data, std::int64_t batch_size)
{
    trainer& t = s_->require_compiled("evaluate");
    s_->check_fits(data);
    return t.evaluate(data, batch_size);
}

metric_logs model::evaluate(const tensor& x, const tensor& y, std::int64_t batch_size)
{
    return evaluate(wrap(x, y, "evaluation data"), batch_size);
}

tensor model::predict(const tensor& x, std::int64_t batch_size)
{
    mlrun::model& m = *s_->net;
    if (x.dims().rank() < 1 || x.dims().without_batch() != m.input_shape()) {
        throw data_error("predict: the model takes samples of shape " + m.input_shape().to_string() +
                         ", the input is " + x.dims().to_string());
    }
    if (batch_size < 1) throw config_error("predict: batch_size must be at least 1");
    const std::int64_t samples = x.dims()[0];
    const std::int64_t width = m.input_shape().element_count();
    const std::int64_t outputs = m.output_shape().element_count();
    tensor result(m.output_shape().with_batch(samples));
    tensor batch;
    for (std::int64_t begin = 0; begin < samples; begin += batch_size) {
        const std::int64_t count = std::min(batch_size, samples - begin);
        batch.reshape(m.input_shape().with_batch(count));
        std::memcpy(batch.f32(), x.f32() + begin * width, static_cast<std::size_t>(count * width) * sizeof(float));
        const tensor& out = m.forward(*s_->compute, batch, false, 0);
        std::memcpy(result.f32() + begin * outputs, out.f32(), static_cast<std::size_t>(count * outputs) * sizeof(float));
    }
    return result;
}

void model::save_weights(const std::string& path, const std::string& format) const
{
    save_request request;
    request.weights_only = true;
    request.format = format;
    request.backend = s_->env.backend;
    make_parent_directory(path);
    save_model(path, *s_->net, request, *s_->plugins);
}

void model::load_weights(const std::string& path) { mlrun::load_weights(*s_->net, path, *s_->plugins); }

void model::save(const std::string& path, bool include_optimizer, const std::string& format) const
{
    save_request request;
    if (include_optimizer && s_->fitter) {
        request.opt = &s_->fitter->get_optimizer();
        request.loss = loss_text(s_->compiled_with.loss);
        request.metrics = s_->compiled_with.metrics;
        request.weighted_metrics = s_->compiled_with.weighted_metrics;
        training_state trained;
        trained.epochs_done = s_->epochs_done;
        trained.step = s_->fitter->get_optimizer().iterations();
        trained.seed = s_->env.seed;
        trained.batch_size = s_->batch_size;
        trained.shuffle = s_->shuffle;
        request.state = trained;
    }
    request.backend = s_->env.backend;
    request.format = format;
    make_parent_directory(path);
    save_model(path, *s_->net, request, *s_->plugins);
}

void model::summary(std::ostream& out) const { s_->net->summary(out); }
model_spec model::spec() const { return spec_of(*s_->net); }
int model::epochs_done() const { return s_->epochs_done; }
mlrun::model& model::net() { return *s_->net; }
const mlrun::model& model::net() const { return *s_->net; }
trainer& model::fitter() { return s_->require_compiled("fitter"); }

model sequential(const std::vector<layer>& layers, std::vector<std::int64_t> input_shape, environment env)
{
    model_spec spec;
    for (const layer& l : layers) spec.layers.push_back({l, {}, ""});
    spec.input_shape = std::move(input_shape);
    return model(spec, std::move(env));
}

model functional(const graph& g, environment env) { return model(g.spec(), std::move(env)); }

model load_model(const std::string& path, environment env)
{
    auto s = std::make_unique<model::state>(std::move(env));
    std::unique_ptr<loaded_model> loaded = mlrun::load_model(path, *s->plugins, *s->compute);
    // The file's architecture, rebuilt here so this model owns it; the
    // loaded weights and optimizer state move over by capture and restore.
    s->net = build_model(spec_of(loaded->net()), std::nullopt);
    rng unused(0);  // every weight is overwritten below
    s->net->build(unused);
    const checkpoint weights = capture_state(loaded->net(), loaded->compiled() ? &loaded->fitter().get_optimizer() : nullptr);
    if (loaded->compiled()) {
        compile_options options;
        options.optimizer = loaded->fitter().get_optimizer().config();
        options.loss = parse_loss_text(loaded->loss(), path);
        options.metrics = loaded->metrics();
        options.weighted_metrics = loaded->weighted_metrics();
        model result(std::move(s));
        result.compile(options);
        restore_state(result.net(), &result.fitter().get_optimizer(), weights, false, path);
        if (loaded->state()) {
            result.s_->epochs_done = loaded->state()->epochs_done;
            result.s_->batch_size = loaded->state()->batch_size;
            result.s_->shuffle = loaded->state()->shuffle;
        }
        return result;
    }
    restore_state(*s->net, nullptr, weights, false, path);
    return model(std::move(s));
}

}  // namespace mlrun::keras
