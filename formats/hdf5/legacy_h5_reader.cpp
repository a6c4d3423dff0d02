// Reading the legacy Keras HDF5 layout (whole model or weights only).
#include "h5_io.hpp"
#include "keras_files.hpp"
#include "keras_interop.hpp"

#include <set>

namespace mlrun::keras_h5 {
namespace {

std::string optional_string(hid_t object, const char* name, const std::string& where)
{
    return has_attribute(object, name) ? read_string_attribute(object, name, where) : std::string();
}

// Every layer group listed in layer_names, its weights in weight_names
// order (never reconstructed from names: graph-mode tf.keras stored layer
// dense_1's kernel as dense_1/dense_1_1/kernel:0).
void read_weights(hid_t group, const std::string& where, staged_checkpoint& out)
{
    std::set<std::string> seen;
    for (const std::string& layer : read_string_list_attribute(group, "layer_names", where)) {
        const std::string layer_where = where + (where == "/" ? "" : "/") + layer;
        h5_id layer_group = open_group(group, layer, where + " (listed in layer_names)");
        for (const std::string& weight : read_string_list_attribute(layer_group.get(), "weight_names", layer_where)) {
            staged_tensor t = read_dataset(layer_group.get(), weight, layer_where);
            t.name = canonical_weight_name(layer, weight, layer_where);
            if (!seen.insert(t.name).second) {
                throw format_error(layer_where + ": two weights of layer '" + layer + "' are both called '" + t.name + "'");
            }
            out.tensors.push_back(std::move(t));
        }
    }
}

void read_optimizer_weights(hid_t file, const compile_spec& compile, staged_checkpoint& out)
{
    const std::string where = "/optimizer_weights";
    h5_id group = open_group(file, "optimizer_weights", "/");
    std::vector<staged_tensor> tensors;
    for (const std::string& name : read_string_list_attribute(group.get(), "weight_names", where)) {
        tensors.push_back(read_dataset(group.get(), name, where));
    }
    std::vector<const staged_tensor*> trainable;
    const std::set<std::string> frozen = frozen_layers_of(out);
    for (const staged_tensor& t : out.tensors) {
        if (is_trainable_weight(t.name, frozen)) trainable.push_back(&t);
    }
    std::vector<staged_tensor> state = optimizer_state_from_keras(std::move(tensors), trainable, compile, where);
    for (staged_tensor& t : state) out.tensors.push_back(std::move(t));
}

}  // namespace

void translate_architecture(const std::function<model_spec()>& translate, staged_checkpoint& out)
{
    try {
        out.set_meta("model_config", layers_yaml(translate()));
    } catch (const format_error& e) {
        out.set_meta("model_config_error", e.what());
    }
}

compile_spec translate_compile(const std::function<compile_spec()>& translate, staged_checkpoint& out)
{
    try {
        compile_spec compile = translate();
        put_compile_metadata(compile, out);
        return compile;
    } catch (const format_error& e) {
        out.set_meta("training_config_error", e.what());
        return {};
    }
}

void read_legacy_h5(hid_t file, staged_checkpoint& out)
{
    const bool whole_model = has_path(file, "model_weights");
    if (!whole_model && !has_name_list(file, "layer_names")) {
        throw format_error("/: neither a Keras model (no group 'model_weights') nor a Keras weights file (no attribute "
                           "'layer_names'), nor a Keras 3 weights file (no group 'layers')");
    }
    // Keras 1 wrote no backend; a missing version means Keras 1 as well.
    const std::string version = optional_string(file, "keras_version", "/");
    out.set_meta("keras_version", version.empty() ? "1" : version);
    const std::string backend = optional_string(file, "backend", "/");
    if (!backend.empty()) out.set_meta("keras_backend", backend);
    out.set_meta("keras_layout", whole_model ? "whole model" : "weights only");

    compile_spec compile;
    if (whole_model) {
        if (has_attribute(file, "model_config")) {
            const std::string where = "/ attribute 'model_config'";
            const json config = parse_json(read_string_attribute(file, "model_config", "/"), where);
            // mlrun keeps the Keras forms of the model's plugin layers beside it.
            std::vector<plugin_layer_form> forms;
            if (has_attribute(file, plugin_forms_attribute)) {
                const std::string text = read_string_attribute(file, plugin_forms_attribute, "/");
                forms = parse_plugin_layer_forms(text, std::string("/ attribute '") + plugin_forms_attribute + "'");
                out.set_meta("keras_layer_forms", text);
            }
            // Before Keras 3, hard_sigmoid was clip(0.2 x + 0.5, 0, 1).
            const bool keras2_names = version.empty() || version[0] < '3';
            translate_architecture(
                [&] {
                    model_spec spec = model_from_keras(config, where, forms);
                    return keras2_names ? with_keras2_activations(std::move(spec)) : spec;
                },
                out);
        }
        if (has_attribute(file, "training_config")) {
            const std::string where = "/ attribute 'training_config'";
            const json config = parse_json(read_string_attribute(file, "training_config", "/"), where);
            compile = translate_compile([&] { return compile_from_keras(config, "optimizer_config", where); }, out);
        }
        h5_id weights = open_group(file, "model_weights", "/");
        read_weights(weights.get(), "/model_weights", out);
    } else {
        read_weights(file, "/", out);
    }
    // Keras restores optimizer state only together with the training_config
    // that says which optimizer it belongs to; so does mlrun.
    if (whole_model && !compile.optimizer_class.empty() && has_path(file, "optimizer_weights")) {
        read_optimizer_weights(file, compile, out);
    }
}

staged_checkpoint read_keras_bytes(const std::vector<unsigned char>& bytes, const std::string& path)
{
    if (ends_with(path, ".keras")) return read_keras_archive(bytes, path);
    h5_id file = open_file_image(bytes, path);
    staged_checkpoint out;
    if (!has_path(file.get(), "model_weights") && !has_name_list(file.get(), "layer_names") &&
        has_path(file.get(), "layers")) {
        out.set_meta("keras_layout", "keras 3 weights");
        if (!has_attribute(file.get(), "mlrun")) {
            read_keras3_weights(file.get(), "", nullptr, out);
            return out;
        }
        // mlrun's own .weights.h5 keeps its metadata, which names the
        // optimizer whose variables the file holds.
        const std::string where = "/ attribute 'mlrun'";
        const json metadata = parse_json(read_string_attribute(file.get(), "mlrun", "/"), where);
        if (!metadata.is_object()) throw format_error(where + ": expected an object, found " + json_excerpt(metadata));
        for (auto it = metadata.begin(); it != metadata.end(); ++it) {
            if (!it.value().is_string()) throw format_error(where + ": " + it.key() + ": expected a string");
            if (it.key() != "keras_layout") out.set_meta(it.key(), it.value().get<std::string>());
        }
        const compile_spec compile = compile_from_metadata(out);
        read_keras3_weights(file.get(), "", &compile, out);
    } else {
        read_legacy_h5(file.get(), out);
    }
    return out;
}

staged_checkpoint read_keras_file_unguarded(const std::string& path)
{
    return read_keras_bytes(read_snapshot(path), path);
}

}  // namespace mlrun::keras_h5
