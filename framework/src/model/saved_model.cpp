#include "mlrun/model/saved_model.hpp"

#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "config/bounded_yaml.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "metrics/metric_yaml.hpp"
#include "model/model_yaml.hpp"
#include "optim/optimizer_yaml.hpp"
#include "mlrun/version.hpp"

#include <cctype>
#include <cstring>

namespace mlrun {
namespace {

std::string lower(std::string text)
{
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

const std::string* find_meta(const checkpoint& ckpt, const char* key)
{
    auto it = ckpt.metadata.find(key);
    return it == ckpt.metadata.end() ? nullptr : &it->second;
}

YAML::Node parse_meta(const std::string& text, const std::string& what)
{
    try {
        return load_bounded_yaml(text);
    } catch (const YAML::Exception& e) {
        throw model_error(what + " is not valid YAML: " + e.msg);
    }
}

// The layer owning weight "dense/kernel" is "dense".
std::string layer_of(const std::string& weight) { return weight.substr(0, weight.rfind('/')); }

}  // namespace

format format_for_path(const plugin_registry& plugins, const std::string& path)
{
    try {
        return format(format_for_reading(plugins, path));
    } catch (const io_error& e) {
        throw plugin_error(e.what());  // as documented: no format plugin fits
    }
}

void save_model(const std::string& path, const model& m, const save_request& request, const plugin_registry& plugins)
{
    checkpoint ckpt = capture_state(m, request.weights_only ? nullptr : request.opt);
    if (!request.weights_only && request.opt != nullptr) {
        ckpt.metadata[checkpoint_keys::loss] = request.loss;
        put_metrics_metadata(ckpt.metadata, request.metrics, request.weighted_metrics);
        if (request.state) ckpt.metadata[checkpoint_keys::training_state] = format_training_state(*request.state);
    }
    ckpt.metadata[checkpoint_keys::mlrun_version] = MLRUN_VERSION;
    if (!request.backend.empty()) ckpt.metadata[checkpoint_keys::backend] = request.backend;
    const format chosen(choose_format(plugins, request.format, path, "save.format"));
    format_options options = {{"weights_only", request.weights_only ? "true" : "false"}};
    if (chosen.export_only() && !request.source.empty()) options.emplace_back("source", request.source);
    options.insert(options.end(), request.format_options.begin(), request.format_options.end());
    chosen.save(path, ckpt, options);
}

trainer& loaded_model::fitter()
{
    if (trainer_ == nullptr) throw model_error(not_compiled_reason_);
    return *trainer_;
}

tensor loaded_model::predict(const tensor& x, std::int64_t batch_size)
{
    if (x.dims().rank() < 1 || x.dims().without_batch().element_count() != model_->input_shape().element_count()) {
        throw data_error("the model takes samples of shape " + model_->input_shape().to_string() + ", the input is " +
                         x.dims().to_string());
    }
    const std::int64_t samples = x.dims()[0];
    const std::int64_t width = model_->input_shape().element_count();
    const std::int64_t outputs = model_->output_shape().element_count();
    tensor result(model_->output_shape().with_batch(samples));
    tensor batch;
    for (std::int64_t begin = 0; begin < samples; begin += batch_size) {
        const std::int64_t count = std::min(batch_size, samples - begin);
        batch.reshape(model_->input_shape().with_batch(count));
        std::memcpy(batch.f32(), x.f32() + begin * width, static_cast<std::size_t>(count * width) * sizeof(float));
        const tensor& out = model_->forward(backend_, batch, false, 0);
        std::memcpy(result.f32() + begin * outputs, out.f32(), static_cast<std::size_t>(count * outputs) * sizeof(float));
    }
    return result;
}

std::unique_ptr<loaded_model> load_model(const std::string& path, const plugin_registry& plugins, backend& be)
{
    register_layer_plugins(plugins);  // a saved model may use a layer plugin's class
    const format file_format = format_for_path(plugins, path);
    file_format.require_loadable(path);
    return load_model(file_format.load(path), path, be);
}

std::unique_ptr<model> build_saved_architecture(const checkpoint& ckpt, const std::string& path)
{
    // The format read the file but could not translate its architecture.
    if (const std::string* reason = find_meta(ckpt, "model_config_error")) throw model_error(path + ": " + *reason);
    const std::string* layers = find_meta(ckpt, checkpoint_keys::model_config);
    if (layers == nullptr) {
        const std::string* layout = find_meta(ckpt, "keras_layout");
        throw model_error(path + ": the file holds no architecture (" + (layout != nullptr ? *layout : "weights only") +
                          "); build the model from an experiment and load the weights into it");
    }
    const std::string source = path + " (model_config)";
    std::unique_ptr<model> net = build_model(parse_meta(*layers, source), source, std::nullopt);
    rng init(0);  // every weight is overwritten from the file
    net->build(init);
    return net;
}

std::unique_ptr<loaded_model> load_model(const checkpoint& ckpt, const std::string& path, backend& be)
{
    std::unique_ptr<model> net = build_saved_architecture(ckpt, path);
    std::unique_ptr<loaded_model> result(new loaded_model(std::move(net), be));
    result->metadata_ = ckpt.metadata;

    const std::string* optimizer_config = find_meta(ckpt, checkpoint_keys::optimizer_config);
    const std::string* loss = find_meta(ckpt, checkpoint_keys::loss);
    if (optimizer_config != nullptr && loss != nullptr && !loss->empty()) {
        // {name: Adam, config: {...}} -> compile.optimizer's {adam: {...}}
        const YAML::Node saved = parse_meta(*optimizer_config, path + " (optimizer_config)");
        YAML::Node spec;
        try {
            spec[lower(saved["name"].as<std::string>())] = saved["config"];
        } catch (const YAML::Exception& e) {
            throw model_error(path + ": optimizer_config needs name and config: " + e.msg);
        }
        result->loss_ = *loss;
        try {
            if (const std::string* metrics = find_meta(ckpt, checkpoint_keys::metrics)) {
                const YAML::Node list = parse_meta(*metrics, path + " (metrics)");
                if (list.IsSequence()) result->metrics_ = parse_metric_specs(list, path + " (metrics)");
            }
            if (const std::string* weighted = find_meta(ckpt, checkpoint_keys::weighted_metrics)) {
                const YAML::Node list = parse_meta(*weighted, path + " (weighted_metrics)");
                if (list.IsSequence()) {
                    result->weighted_metrics_ =
                        parse_metric_specs(list, path + " (weighted_metrics)", "compile.weighted_metrics");
                }
            }
            const loss_spec saved_loss = parse_loss_text(result->loss_, path + " (loss)");
            std::vector<metric> metrics = compiled_metrics(result->metrics_, result->weighted_metrics_, saved_loss.kind,
                                                           result->net().output_shape().element_count());
            result->trainer_ = std::make_unique<trainer>(result->net(), be, loss_function(saved_loss),
                                                         make_optimizer(spec, path + " (optimizer_config)"),
                                                         std::move(metrics));
        } catch (const config_error& e) {
            throw model_error(path + ": cannot compile the model as saved: " + e.what());
        }
    } else if (const std::string* reason = find_meta(ckpt, "training_config_error")) {
        result->not_compiled_reason_ = path + ": the model can predict, but its training configuration cannot be "
                                              "used: " + *reason;
    } else {
        result->not_compiled_reason_ =
            path + ": the model was saved without its loss and optimizer (no training configuration), so it can "
                   "predict but not be evaluated or trained";
    }
    restore_state(result->net(), result->compiled() ? &result->trainer_->get_optimizer() : nullptr, ckpt, false, path);
    if (const std::string* state = find_meta(ckpt, checkpoint_keys::training_state)) {
        result->state_ = parse_training_state(*state, path);
    }
    return result;
}

void load_weights(model& m, const std::string& path, const plugin_registry& plugins)
{
    const format file_format = format_for_path(plugins, path);
    file_format.require_loadable(path);
    const checkpoint file = file_format.load(path);
    restore_state(m, nullptr, weights_paired_with(m, file, path), false, path);
}

checkpoint weights_paired_with(const model& m, const checkpoint& file, const std::string& path)
{
    // The file's weights grouped by layer, in the file's order.
    std::vector<std::pair<std::string, std::vector<const std::pair<std::string, tensor>*>>> file_layers;
    bool all_names_match = true;
    std::size_t file_weights = 0;
    for (const auto& entry : file.tensors) {
        if (entry.first.rfind("optimizer/", 0) == 0) continue;
        ++file_weights;
        const std::string layer = layer_of(entry.first);
        if (file_layers.empty() || file_layers.back().first != layer) file_layers.push_back({layer, {}});
        file_layers.back().second.push_back(&entry);
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> model_layers;
    std::size_t model_weights = 0;
    for (const model::node& n : m.nodes()) {
        if (n.op->parameters().empty()) continue;
        model_layers.push_back({n.op->name(), {}});
        for (const parameter& p : n.op->parameters()) {
            model_layers.back().second.push_back(n.op->name() + "/" + p.name);
            all_names_match = all_names_match && file.find(model_layers.back().second.back()) != nullptr;
            ++model_weights;
        }
    }
    checkpoint weights;
    if (all_names_match && model_weights == file_weights) {
        for (const auto& [layer, entries] : file_layers) {
            for (const auto* entry : entries) weights.tensors.push_back(*entry);
        }
    } else {
        if (file_layers.size() != model_layers.size()) {
            std::string theirs, ours;
            for (const auto& l : file_layers) theirs += (theirs.empty() ? "" : ", ") + l.first;
            for (const auto& l : model_layers) ours += (ours.empty() ? "" : ", ") + l.first;
            throw model_error(path + ": the file has weights for " + std::to_string(file_layers.size()) + " layers (" +
                              theirs + ") but the model has " + std::to_string(model_layers.size()) +
                              " layers with weights (" + ours + "); names differ too, so they cannot be paired");
        }
        // Keras's rule: the i-th layer with weights takes the i-th group.
        for (std::size_t i = 0; i < model_layers.size(); ++i) {
            const auto& ours = model_layers[i].second;
            const auto& theirs = file_layers[i].second;
            if (ours.size() != theirs.size()) {
                throw model_error(path + ": layer '" + model_layers[i].first + "' has " + std::to_string(ours.size()) +
                                  " weights, the file's layer '" + file_layers[i].first + "' " +
                                  std::to_string(theirs.size()));
            }
            for (std::size_t w = 0; w < ours.size(); ++w) weights.tensors.emplace_back(ours[w], theirs[w]->second);
        }
    }
    return weights;
}

}  // namespace mlrun
