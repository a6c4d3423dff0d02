#include "tfjs_model.hpp"

#include "interop/keras/format_error.hpp"
#include "interop/keras/model_config.hpp"
#include "interop/keras/training_config.hpp"
#include "interop/keras/weight_names.hpp"

#include <cctype>
#include <cstring>
#include <map>
#include <set>

namespace mlrun::tfjs {

using interop::keras::compile_spec;
using interop::keras::format_error;
using interop::keras::member;
using interop::keras::starts_with;

namespace {

constexpr const char* optimizer_group = "optimizer";
constexpr const char* iterations_name = "optimizer/iterations";

// Optimizers whose TF.js class computes what mlrun's does with these
// settings, so TF.js may compile the model from trainingConfig.
bool tfjs_can_train(const compile_spec& compile)
{
    if (compile.optimizer_class == "Adam") {
        const YAML::Node amsgrad = compile.optimizer_settings["amsgrad"];
        return !(amsgrad.IsDefined() && !amsgrad.IsNull() && amsgrad.as<bool>());
    }
    return compile.optimizer_class == "SGD" && compile.slot_names().empty();
}

std::string snake_case(const std::string& camel)
{
    std::string snake;
    for (std::size_t i = 0; i < camel.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(camel[i]);
        if (std::isupper(c) && i > 0 && camel[i - 1] != '_') snake += '_';
        snake += static_cast<char>(std::tolower(c));
    }
    return snake;
}

// TF.js writes optimizer settings the way its constructors name them.
json keras_optimizer(const json& optimizer)
{
    const json* cls = member(optimizer, "class_name");
    const json* config = member(optimizer, "config");
    if (cls == nullptr || !cls->is_string() || config == nullptr || !config->is_object()) return optimizer;
    std::string name = cls->get<std::string>();
    static const std::map<std::string, std::string> keys = {
        {"learningRate", "learning_rate"}, {"beta1", "beta_1"}, {"beta2", "beta_2"}, {"useNesterov", "nesterov"}};
    json settings = json::object();
    for (auto it = config->begin(); it != config->end(); ++it) {
        auto known = keys.find(it.key());
        std::string key = known != keys.end() ? known->second : snake_case(it.key());
        if (name == "RMSProp" && key == "decay") key = "rho";  // TF.js's RMSProp calls the discount `decay`
        settings[key] = it.value();
    }
    if (name == "Momentum") name = "SGD";  // Keras's SGD with momentum
    return {{"class_name", name}, {"config", settings}};
}

json keras_training_config(const json& tfjs_config)
{
    json config = tfjs_config;
    if (const json* loss = member(tfjs_config, "loss"); loss != nullptr && loss->is_string()) {
        config["loss"] = snake_case(loss->get<std::string>());
    }
    if (const json* metrics = member(tfjs_config, "metrics"); metrics != nullptr && metrics->is_array()) {
        json names = json::array();
        for (const json& m : *metrics) names.push_back(m.is_string() ? json(snake_case(m.get<std::string>())) : m);
        config["metrics"] = names;
    }
    if (const json* optimizer = member(tfjs_config, "optimizer_config"); optimizer != nullptr) {
        config["optimizer_config"] = keras_optimizer(*optimizer);
    }
    return config;
}

std::string writer_name(const staged_checkpoint& ckpt)
{
    const std::string* version = ckpt.meta("mlrun_version");
    return "mlrun" + (version != nullptr ? " " + *version : std::string());
}

// Optimizer tensors in TF.js's order: the counter, then every trainable
// weight's first slot, every weight's second slot...
std::vector<std::pair<std::string, const interop::keras::staged_tensor*>> optimizer_weights(const staged_checkpoint& ckpt,
                                                                                  const compile_spec& compile)
{
    std::vector<std::pair<std::string, const interop::keras::staged_tensor*>> out;
    const interop::keras::staged_tensor* iterations = ckpt.find(iterations_name);
    if (iterations == nullptr) return out;
    out.emplace_back("iter", iterations);
    const std::set<std::string> frozen = interop::keras::frozen_layers_of(ckpt);
    for (const std::string& slot : compile.slot_names()) {
        for (const interop::keras::staged_tensor& t : ckpt.tensors) {
            if (starts_with(t.name, interop::keras::optimizer_prefix) || !interop::keras::is_trainable_weight(t.name, frozen)) {
                continue;
            }
            const std::string name = std::string(interop::keras::optimizer_prefix) + t.name + "/" + slot;
            const interop::keras::staged_tensor* state = ckpt.find(name);
            if (state == nullptr) throw format_error("optimizer state '" + name + "' is missing");
            out.emplace_back(t.name + "/" + slot, state);
        }
    }
    return out;
}

// The counter as mlrun keeps it: TF.js stores an int32.
interop::keras::staged_tensor widened_counter(interop::keras::staged_tensor t)
{
    if (t.dtype != MLRUN_DTYPE_INT32 || t.element_count() != 1) return t;
    std::int32_t narrow;
    std::memcpy(&narrow, t.bytes.data(), 4);
    const std::int64_t wide = narrow;
    t.dtype = MLRUN_DTYPE_INT64;
    t.bytes.resize(8);
    std::memcpy(t.bytes.data(), &wide, 8);
    return t;
}

template <class Translate>
void keep_reason(const char* key, staged_checkpoint& out, Translate&& translate)
{
    try {
        translate();
    } catch (const format_error& e) {
        out.set_meta(key, e.what());
    }
}

}  // namespace

exported_model export_model(const staged_checkpoint& ckpt, const export_options& options)
{
    const std::string* layers = ckpt.meta("model_config");
    if (layers == nullptr) {
        throw format_error("a TF.js Layers model needs the architecture, and this checkpoint has none (no model_config)");
    }
    exported_model out;
    model_artifacts& a = out.artifacts;
    a.generated_by = writer_name(ckpt);
    a.converted_by = writer_name(ckpt);
    a.topology = interop::keras::keras_model_config(interop::keras::model_from_layers_yaml(*layers, "metadata model_config"));
    compile_spec compile = interop::keras::compile_from_metadata(ckpt);
    const bool with_optimizer = !options.weights_only && !compile.optimizer_class.empty();
    // Quantized weights no longer match the checksums taken of the originals.
    if (options.quantize != quantization::none) compile.tensor_crc32c.clear();
    if (with_optimizer) {
        const json training = interop::keras::keras_training_config(compile);
        if (tfjs_can_train(compile)) a.training_config = training;
        else a.user_metadata = {{"mlrun_training_config", training}};  // TF.js would train it otherwise
    }
    weight_group group;
    std::vector<unsigned char> bytes;
    for (const interop::keras::staged_tensor& t : ckpt.tensors) {
        if (starts_with(t.name, interop::keras::optimizer_prefix)) continue;
        if (t.dtype == MLRUN_DTYPE_STRING) throw format_error("tensor '" + t.name + "': TF.js weights hold no strings");
        group.weights.push_back(encode_weight(t, t.name, options.quantize, bytes));
    }
    if (with_optimizer) {
        for (const auto& [name, t] : optimizer_weights(ckpt, compile)) {
            manifest_weight w = encode_weight(*t, name, quantization::none, bytes);  // state stays exact
            w.group = optimizer_group;
            group.weights.push_back(std::move(w));
        }
    }
    a.manifest.push_back(std::move(group));
    out.group_bytes.push_back(std::move(bytes));
    return out;
}

staged_checkpoint import_model(const model_files& files, const std::string& where)
{
    const model_artifacts& a = files.artifacts;
    staged_checkpoint out;
    keep_reason("model_config_error", out, [&] {
        // TensorFlow.js's hard_sigmoid is Keras 2's: clip(0.2 x + 0.5, 0, 1).
        out.set_meta("model_config", interop::keras::layers_yaml(interop::keras::with_keras2_activations(
                                         interop::keras::model_from_keras(a.topology, where + ": modelTopology"))));
    });
    json training = a.training_config;
    if (training.is_null()) {
        if (const json* kept = member(a.user_metadata, "mlrun_training_config")) training = *kept;
    }
    compile_spec compile;
    if (!training.is_null()) {
        keep_reason("training_config_error", out, [&] {
            compile = interop::keras::compile_from_keras(keras_training_config(training), "optimizer_config", where + ": trainingConfig");
            interop::keras::put_compile_metadata(compile, out);
        });
    }
    std::vector<interop::keras::staged_tensor> optimizer;
    std::set<std::string> names;
    std::string quantized;
    for (std::size_t g = 0; g < a.manifest.size(); ++g) {
        const weight_group& group = a.manifest[g];
        const unsigned char* bytes = files.group_bytes.at(g).data();
        for (const manifest_weight& w : group.weights) {
            const bool is_state = w.group == optimizer_group;
            const std::string name = w.name;
            if (!is_state && (name.find('/') == std::string::npos || name.front() == '/' || name.back() == '/')) {
                throw format_error(where + ": weight '" + name + "' is not named <layer>/<weight>");
            }
            if (!names.insert((is_state ? "optimizer:" : "") + name).second) {
                throw format_error(where + ": two weights are both called '" + name + "'");
            }
            interop::keras::staged_tensor t = decode_weight(w, bytes, name, where);
            bytes += w.stored_bytes();
            if (!w.quantized_dtype.empty()) quantized += name + ": " + quantization_error_text(w) + "\n";
            if (is_state) optimizer.push_back(widened_counter(std::move(t)));
            else out.tensors.push_back(std::move(t));
        }
    }
    // TF.js restores optimizer state only into the optimizer trainingConfig names; so does mlrun.
    if (!optimizer.empty() && !compile.optimizer_class.empty()) {
        std::vector<const interop::keras::staged_tensor*> trainable;
        const std::set<std::string> frozen = interop::keras::frozen_layers_of(out);
        for (const interop::keras::staged_tensor& t : out.tensors) {
            if (interop::keras::is_trainable_weight(t.name, frozen)) trainable.push_back(&t);
        }
        std::vector<interop::keras::staged_tensor> state =
            interop::keras::optimizer_state_from_keras(std::move(optimizer), trainable, compile, where + ": optimizer weights");
        for (interop::keras::staged_tensor& t : state) out.tensors.push_back(std::move(t));
    }
    if (!a.generated_by.empty()) out.set_meta("tfjs_generated_by", a.generated_by);
    if (!a.converted_by.empty()) out.set_meta("tfjs_converted_by", a.converted_by);
    if (!quantized.empty()) out.set_meta("tfjs_quantization", quantized);
    return out;
}

}  // namespace mlrun::tfjs
