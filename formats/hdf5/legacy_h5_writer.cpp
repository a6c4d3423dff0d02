// Writing the legacy Keras HDF5 layout, as tf.keras 2.10 writes it.
#include "file_seal.hpp"
#include "h5_io.hpp"
#include "keras_files.hpp"

#include "mlrun/core/atomic_file.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace mlrun::keras_h5 {
namespace {

struct weight_ref {
    std::string weight;  // "kernel"
    const staged_tensor* tensor;
};

// "dense/kernel" -> ("dense", "kernel").
std::pair<std::string, std::string> split_last(const std::string& name, const std::string& what)
{
    const std::size_t slash = name.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == name.size()) {
        throw format_error(what + " '" + name + "' is not named <layer>/<weight>");
    }
    return {name.substr(0, slash), name.substr(slash + 1)};
}

// The layers in `layer_names` order with their weights in tensor order.
struct weight_plan {
    std::vector<std::string> layer_names;
    std::map<std::string, std::vector<weight_ref>> weights;
};

weight_plan plan_weights(const staged_checkpoint& ckpt, const model_spec* spec)
{
    weight_plan plan;
    if (spec != nullptr) plan.layer_names = keras_layer_names(*spec);
    std::set<std::string> known(plan.layer_names.begin(), plan.layer_names.end());
    for (const staged_tensor& t : ckpt.tensors) {
        if (starts_with(t.name, optimizer_prefix)) continue;
        auto [layer, weight] = split_last(t.name, "tensor");
        if (known.count(layer) == 0) {
            if (spec != nullptr) {
                throw format_error("tensor '" + t.name + "' belongs to no layer of the model_config (layer '" + layer +
                                   "')");
            }
            plan.layer_names.push_back(layer);
            known.insert(layer);
        }
        plan.weights[layer].push_back({weight, &t});
    }
    return plan;
}

void write_weights(hid_t group, const std::string& where, const weight_plan& plan)
{
    write_string_attribute(group, "backend", "tensorflow", string_charset::ascii, where);
    write_string_attribute(group, "keras_version", written_keras_version, string_charset::ascii, where);
    write_string_list_attribute(group, "layer_names", plan.layer_names, where);
    for (const std::string& layer : plan.layer_names) {
        const std::string layer_where = where + (where == "/" ? "" : "/") + layer;
        h5_id layer_group = create_group(group, layer, where);
        std::vector<std::string> names;
        auto it = plan.weights.find(layer);
        if (it != plan.weights.end()) {
            for (const weight_ref& w : it->second) names.push_back(layer + "/" + w.weight + ":0");
        }
        write_string_list_attribute(layer_group.get(), "weight_names", names, layer_where);
        if (it == plan.weights.end()) continue;
        for (const weight_ref& w : it->second) {
            write_dataset(layer_group.get(), layer + "/" + w.weight + ":0", *w.tensor, layer_where);
        }
    }
    // tf.keras >= 2.10 records the model's own variables (none) apart.
    h5_id top = create_group(group, "top_level_model_weights", where);
    write_string_list_attribute(top.get(), "weight_names", {}, where + (where == "/" ? "" : "/") + "top_level_model_weights");
}

// Keras creates the slots for the trainable weights in model.layers order
// and restores them by position: each slot's list follows `layer_names`.
void order_by_layer(std::vector<std::pair<std::string, const staged_tensor*>>& slot, const weight_plan& plan)
{
    auto rank = [&](const std::string& variable) {
        const std::string layer = split_last(variable, "optimizer tensor").first;
        const auto it = std::find(plan.layer_names.begin(), plan.layer_names.end(), layer);
        return static_cast<std::size_t>(it - plan.layer_names.begin());
    };
    std::stable_sort(slot.begin(), slot.end(), [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
}

// optimizer_weights as tf.keras 2.x names it: "<Class>/iter:0", then every
// weight's first slot ("Adam/dense/kernel/m:0"), every weight's second...
void write_optimizer(hid_t file, const staged_checkpoint& ckpt, const compile_spec& compile, const weight_plan& plan)
{
    const std::string where = "/optimizer_weights";
    const staged_tensor* iterations = nullptr;
    std::vector<std::string> slot_order;
    std::map<std::string, std::vector<std::pair<std::string, const staged_tensor*>>> slots;
    for (const staged_tensor& t : ckpt.tensors) {
        if (!starts_with(t.name, optimizer_prefix)) continue;
        if (t.name == iterations_name) {
            iterations = &t;
            continue;
        }
        auto [variable, slot] = split_last(t.name.substr(std::strlen(optimizer_prefix)), "optimizer tensor");
        if (slots.count(slot) == 0) slot_order.push_back(slot);
        slots[slot].emplace_back(variable, &t);
    }
    if (iterations == nullptr && slot_order.empty()) return;
    if (compile.optimizer_class.empty()) {
        throw format_error("optimizer tensors but no optimizer_config metadata to say which optimizer they belong to");
    }
    if (iterations == nullptr) throw format_error("optimizer slots but no tensor '" + std::string(iterations_name) + "'");
    if (iterations->dtype != MLRUN_DTYPE_INT64 || iterations->element_count() != 1) {
        throw format_error("'" + std::string(iterations_name) + "' must be one int64");
    }
    for (const std::string& slot : slot_order) {
        if (slots[slot].size() != slots[slot_order[0]].size()) {
            throw format_error("optimizer slot '" + slot + "' covers " + std::to_string(slots[slot].size()) +
                               " weights, slot '" + slot_order[0] + "' " + std::to_string(slots[slot_order[0]].size()));
        }
    }
    for (const std::string& slot : slot_order) order_by_layer(slots[slot], plan);
    const std::string prefix = compile.optimizer_class + "/";
    std::vector<std::string> names = {prefix + "iter:0"};
    for (const std::string& slot : slot_order) {
        for (const auto& [variable, tensor] : slots[slot]) names.push_back(prefix + variable + "/" + slot + ":0");
    }
    h5_id group = create_group(file, "optimizer_weights", "/");
    write_string_list_attribute(group.get(), "weight_names", names, where);
    staged_tensor counter = *iterations;
    counter.dims.clear();  // a scalar, as Keras stores it
    write_dataset(group.get(), names[0], counter, where);
    std::size_t next = 1;
    for (const std::string& slot : slot_order) {
        for (const auto& entry : slots[slot]) write_dataset(group.get(), names[next++], *entry.second, where);
    }
}

void write_contents(hid_t file, const staged_checkpoint& ckpt, bool weights_only)
{
    const std::string* layers = ckpt.meta("model_config");
    if (weights_only) {
        // As the model_weights group of a whole-model file: every layer of
        // the model, weightless ones too, when the architecture is known.
        if (layers == nullptr) {
            write_weights(file, "/", plan_weights(ckpt, nullptr));
        } else {
            const model_spec spec = model_from_layers_yaml(*layers, "metadata model_config");
            write_weights(file, "/", plan_weights(ckpt, &spec));
        }
        return;
    }
    if (layers == nullptr) throw format_error("a whole-model file needs the model_config metadata");
    const model_spec spec = model_from_layers_yaml(*layers, "metadata model_config");
    const std::string model_config = keras_dump(keras_model_config(spec));
    const compile_spec compile = compile_from_metadata(ckpt);
    const weight_plan plan = plan_weights(ckpt, &spec);
    write_string_attribute(file, "backend", "tensorflow", string_charset::utf8, "/");
    write_string_attribute(file, "keras_version", written_keras_version, string_charset::utf8, "/");
    write_string_attribute(file, "model_config", model_config, string_charset::ascii, "/");
    // Keras compiles from training_config, which needs the optimizer; a
    // model saved without it loads uncompiled, as in Keras.
    if (!compile.optimizer_class.empty()) {
        write_string_attribute(file, "training_config", keras_dump(keras_training_config(compile)), string_charset::ascii, "/");
    }
    h5_id weights = create_group(file, "model_weights", "/");
    write_weights(weights.get(), "/model_weights", plan);
    write_optimizer(file, ckpt, compile, plan);
}

}  // namespace

void check_keras_save_path(const std::string& path)
{
    if (ends_with(path, ".keras")) {
        throw format_error("mlrun reads Keras 3 .keras archives but does not write them; save to a .h5 file");
    }
    if (ends_with(path, ".weights.h5")) {
        throw format_error("Keras 3 expects its own layout in .weights.h5 files, which mlrun reads but does not write; "
                           "save to a name ending in .h5 but not .weights.h5");
    }
}

void write_keras_file(const std::string& path, const staged_checkpoint& ckpt, bool weights_only)
{
    check_keras_save_path(path);
    // libhdf5 builds the file in memory; only mlrun's one writer of whole
    // files puts it on disk, so a full disk is an ordinary write error.
    // libhdf5 knows its open files by name: a fresh one clashes with none.
    const std::string in_memory = unique_temporary_name(path);
    std::vector<unsigned char> image;
    {
        h5_id file = create_file_in_memory(in_memory, seal_block_size);
        write_contents(file.get(), ckpt, weights_only);
        image = file_image(file.get(), in_memory);
    }
    seal_image(image, in_memory);
    write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(image.data()), image.size()));
}

}  // namespace mlrun::keras_h5
