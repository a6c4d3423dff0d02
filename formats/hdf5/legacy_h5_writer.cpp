// Writing the legacy Keras HDF5 layout, as tf.keras 2.10 or Keras 3.8
// writes it, and choosing the layout a path is written in.
#include "file_seal.hpp"
#include "h5_io.hpp"
#include "keras_files.hpp"

#include "mlrun/core/atomic_file.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
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

// How a Keras generation names weights in a legacy file: tf.keras 2.x
// "dense/kernel:0"; Keras 3 the variable's path "sequential/dense/kernel".
struct legacy_naming {
    keras_generation generation = keras_generation::keras2;
    std::string model;  // Keras 3: the model's name, the first part of each path

    const char* version() const
    {
        return generation == keras_generation::keras3 ? keras3_written_version : written_keras_version;
    }
    std::string weight(const std::string& layer, const std::string& weight) const
    {
        return generation == keras_generation::keras3 ? model + "/" + layer + "/" + weight : layer + "/" + weight + ":0";
    }
};

void write_weights(hid_t group, const std::string& where, const weight_plan& plan, const legacy_naming& naming)
{
    write_string_attribute(group, "backend", "tensorflow", string_charset::ascii, where);
    write_string_attribute(group, "keras_version", naming.version(), string_charset::ascii, where);
    write_string_list_attribute(group, "layer_names", plan.layer_names, where);
    for (const std::string& layer : plan.layer_names) {
        const std::string layer_where = where + (where == "/" ? "" : "/") + layer;
        h5_id layer_group = create_group(group, layer, where);
        std::vector<std::string> names;
        auto it = plan.weights.find(layer);
        if (it != plan.weights.end()) {
            for (const weight_ref& w : it->second) names.push_back(naming.weight(layer, w.weight));
        }
        write_string_list_attribute(layer_group.get(), "weight_names", names, layer_where);
        if (it == plan.weights.end()) continue;
        for (const weight_ref& w : it->second) {
            write_dataset(layer_group.get(), naming.weight(layer, w.weight), *w.tensor, layer_where);
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
// weight's first slot ("Adam/dense/kernel/m:0"), every weight's second...;
// or as Keras 3 does.
void write_optimizer(hid_t file, const staged_checkpoint& ckpt, const compile_spec& compile, const weight_plan& plan,
                     const legacy_naming& naming)
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
    staged_tensor counter = *iterations;
    counter.dims.clear();  // a scalar, as Keras stores it
    std::vector<std::pair<std::string, const staged_tensor*>> entries;
    staged_tensor rate;
    std::unique_ptr<staged_tensor> u_product;  // Nadam's, in Keras 3 files
    if (naming.generation == keras_generation::keras3) {
        // "adam/iteration", "adam/learning_rate", then the slots as Keras 3
        // creates them, named after the variable's path.
        const std::string prefix = keras3_optimizer_name(compile) + "/";
        rate = keras3_learning_rate(compile);
        entries = {{prefix + "iteration", &counter}, {prefix + "learning_rate", &rate}};
        u_product = keras3_u_product(compile, counter);
        if (u_product) entries.emplace_back(prefix + "u_product", u_product.get());
        std::vector<std::string> weights;
        for (const auto& [variable, tensor] : slots[slot_order.empty() ? "" : slot_order[0]]) weights.push_back(variable);
        for (const auto& [name, word] : keras3_optimizer_variables(weights, compile)) {
            const staged_tensor* t = ckpt.find(name);
            if (t == nullptr) throw format_error("no optimizer tensor '" + name + "' for " + compile.optimizer_class);
            std::string path = naming.model + "/" + name.substr(std::strlen(optimizer_prefix));
            path = path.substr(0, path.rfind('/'));
            std::replace(path.begin(), path.end(), '/', '_');
            entries.emplace_back(prefix + path + "_" + word, t);
        }
    } else {
        const std::string prefix = compile.optimizer_class + "/";
        entries = {{prefix + "iter:0", &counter}};
        for (const std::string& slot : slot_order) {
            for (const auto& [variable, tensor] : slots[slot]) entries.emplace_back(prefix + variable + "/" + slot + ":0", tensor);
        }
    }
    std::vector<std::string> names;
    for (const auto& entry : entries) names.push_back(entry.first);
    h5_id group = create_group(file, "optimizer_weights", "/");
    write_string_list_attribute(group.get(), "weight_names", names, where);
    for (const auto& [name, tensor] : entries) write_dataset(group.get(), name, *tensor, where);
}

void write_contents(hid_t file, const staged_checkpoint& ckpt, bool weights_only, keras_generation generation)
{
    const std::string* layers = ckpt.meta("model_config");
    legacy_naming naming;
    naming.generation = generation;
    if (weights_only) {
        // As the model_weights group of a whole-model file: every layer of
        // the model, weightless ones too, when the architecture is known.
        if (layers == nullptr) {
            if (generation == keras_generation::keras3) {
                throw format_error("a Keras 3 file needs the model_config metadata (its weight names hold the model's name)");
            }
            write_weights(file, "/", plan_weights(ckpt, nullptr), naming);
        } else {
            const model_spec spec = model_from_layers_yaml(*layers, "metadata model_config");
            naming.model = keras3_model_name(spec);
            write_weights(file, "/", plan_weights(ckpt, &spec), naming);
        }
        return;
    }
    if (layers == nullptr) throw format_error("a whole-model file needs the model_config metadata");
    model_spec spec = model_from_layers_yaml(*layers, "metadata model_config");
    const std::string* forms = ckpt.meta("keras_layer_forms");
    if (forms != nullptr) spec.plugin_forms = parse_plugin_layer_forms(*forms, "metadata keras_layer_forms");
    naming.model = keras3_model_name(spec);
    const bool keras3 = generation == keras_generation::keras3;
    const std::string model_config =
        keras_dump(keras3 ? keras3_model_config(spec, keras3_form::legacy_h5) : keras_model_config(spec));
    const compile_spec compile = compile_from_metadata(ckpt);
    const weight_plan plan = plan_weights(ckpt, &spec);
    write_string_attribute(file, "backend", "tensorflow", string_charset::utf8, "/");
    write_string_attribute(file, "keras_version", naming.version(), string_charset::utf8, "/");
    write_string_attribute(file, "model_config", model_config, string_charset::ascii, "/");
    if (forms != nullptr) write_string_attribute(file, plugin_forms_attribute, *forms, string_charset::utf8, "/");
    // Keras compiles from training_config, which needs the optimizer; a
    // model saved without it loads uncompiled, as in Keras.
    if (!compile.optimizer_class.empty()) {
        const json training = keras3 ? keras3_training_config(compile) : keras_training_config(compile);
        write_string_attribute(file, "training_config", keras_dump(training), string_charset::ascii, "/");
    }
    h5_id weights = create_group(file, "model_weights", "/");
    write_weights(weights.get(), "/model_weights", plan, naming);
    write_optimizer(file, ckpt, compile, plan, naming);
}

}  // namespace

keras_generation default_generation(const std::string& path)
{
    return ends_with(path, ".keras") || ends_with(path, ".weights.h5") ? keras_generation::keras3
                                                                        : keras_generation::keras2;
}

keras_generation parse_keras_version(const std::string& value)
{
    if (value == "2" || value == "2.x") return keras_generation::keras2;
    if (value == "3" || value == "3.x") return keras_generation::keras3;
    throw format_error("option keras_version: expected 2 (tf.keras 2.x's legacy .h5) or 3 (Keras 3), found '" + value +
                       "'");
}

void check_keras_save_path(const std::string& path, keras_generation generation, bool weights_only)
{
    const bool archive = ends_with(path, ".keras");
    const bool keras3_weights = ends_with(path, ".weights.h5");
    if ((archive || keras3_weights) && generation == keras_generation::keras2) {
        throw format_error("keras_version 2: tf.keras 2.x has no " + std::string(archive ? ".keras" : ".weights.h5") +
                           " layout (Keras 3 reads its own there); write keras_version 3, or a name ending in .h5");
    }
    if (archive && weights_only) {
        throw format_error("a .keras archive holds the whole model; save weights only to a .weights.h5 or .h5 name");
    }
}

void check_keras_save_path(const std::string& path) { check_keras_save_path(path, default_generation(path), false); }

void write_keras_file(const std::string& path, const staged_checkpoint& ckpt, bool weights_only)
{
    write_keras_file(path, ckpt, weights_only, default_generation(path));
}

std::vector<unsigned char> keras_file_image(const std::string& path, const staged_checkpoint& ckpt, bool weights_only,
                                            keras_generation generation)
{
    check_keras_save_path(path, generation, weights_only);
    // libhdf5 builds the file in memory; only mlrun's one writer of whole
    // files puts it on disk, so a full disk is an ordinary write error.
    // libhdf5 knows its open files by name: a fresh one clashes with none.
    const std::string in_memory = unique_temporary_name(path);
    std::vector<unsigned char> image;
    if (ends_with(path, ".keras")) {
        image = keras_archive_image(ckpt, in_memory);
    } else {
        {
            h5_id file = create_file_in_memory(in_memory, seal_block_size);
            if (ends_with(path, ".weights.h5")) {
                write_keras3_weights(file.get(), ckpt, !weights_only);
            } else {
                write_contents(file.get(), ckpt, weights_only, generation);
            }
            image = file_image(file.get(), in_memory);
        }
        seal_image(image, in_memory);
    }
    return image;
}

void write_keras_file(const std::string& path, const staged_checkpoint& ckpt, bool weights_only,
                      keras_generation generation)
{
    const std::vector<unsigned char> image = keras_file_image(path, ckpt, weights_only, generation);
    write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(image.data()), image.size()));
}

}  // namespace mlrun::keras_h5
