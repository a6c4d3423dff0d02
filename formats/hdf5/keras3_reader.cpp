// Reading Keras 3's own formats: the .weights.h5 layout and .keras archives.
#include "h5_io.hpp"
#include "keras_files.hpp"
#include "keras_interop.hpp"

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

namespace mlrun::keras_h5 {
namespace {

bool all_digits(const std::string& text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// The datasets "0", "1", ... of a vars group, in numeric order.
std::vector<staged_tensor> read_vars(hid_t vars, const std::string& where)
{
    std::vector<std::string> names;
    for (const std::string& member : members_in_file_order(vars, where)) {
        if (!all_digits(member)) throw format_error(where + ": unexpected member '" + member + "'");
        names.push_back(member);
    }
    std::sort(names.begin(), names.end(),
              [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
    std::vector<staged_tensor> tensors;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] != std::to_string(i)) throw format_error(where + ": variable " + std::to_string(i) + " is missing");
        tensors.push_back(read_dataset(vars, names[i], where));
    }
    return tensors;
}

// A layer's variables in Keras 3's order, by the class its key is named
// after ("dense_2" -> Dense).
const std::vector<std::string>& variable_names(const std::string& key, const std::string& where, std::size_t count)
{
    static const std::map<std::string, std::vector<std::string>> table = {
        {"dense", {"kernel", "bias"}},
        {"batch_normalization", {"gamma", "beta", "moving_mean", "moving_variance"}},
        {"layer_normalization", {"gamma", "beta"}},
        {"conv1d", {"kernel", "bias"}},
        {"conv2d", {"kernel", "bias"}},
        {"conv2d_transpose", {"kernel", "bias"}},
        {"depthwise_conv2d", {"depthwise_kernel", "bias"}},
        {"separable_conv2d", {"depthwise_kernel", "pointwise_kernel", "bias"}},
        {"embedding", {"embeddings"}},
        {"p_re_lu", {"alpha"}},
    };
    static const std::vector<std::string> none;
    std::string base = key;
    const std::size_t underscore = key.rfind('_');
    if (underscore != std::string::npos && all_digits(key.substr(underscore + 1))) base = key.substr(0, underscore);
    auto it = table.find(base);
    if (it == table.end()) {
        if (count == 0) return none;
        throw format_error(where + ": a layer '" + key + "' with " + std::to_string(count) +
                           " variables, of a class mlrun does not read (Dense, BatchNormalization, LayerNormalization, "
                           "Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, Embedding, PReLU)");
    }
    if (count > it->second.size()) {
        throw format_error(where + ": " + std::to_string(count) + " variables, more than a " + base + " layer has");
    }
    return it->second;
}

// Keras 3 keeps optimizer variables by number: the iteration count, the
// learning rate, then the slots. Naming them as Keras 3's legacy .h5 files
// do lets one mapping serve both.
std::vector<staged_tensor> name_optimizer_vars(std::vector<staged_tensor> vars, std::size_t trainable,
                                               const compile_spec& compile, const std::string& where)
{
    if (vars.size() < 2) throw format_error(where + ": fewer than the two variables every optimizer has");
    vars[0].name = "iteration";
    vars[1].name = "learning_rate";
    std::vector<std::string> kinds;
    if (compile.optimizer_class == "Adam" || compile.optimizer_class == "AdamW") {
        for (std::size_t i = 0; i < trainable; ++i) kinds.insert(kinds.end(), {"momentum", "velocity"});
        for (std::size_t i = 0; kinds.size() < vars.size() - 2; ++i) kinds.emplace_back("velocity_hat");
    } else {
        // mlrun's slot names are Keras 3's words, but for RMSprop's.
        const std::map<std::string, std::string> words = {
            {"rms", "velocity"}, {"momentum", "momentum"}, {"mg", "average_gradient"}, {"velocity", "velocity"},
            {"accumulator", "accumulator"}, {"accumulated_grad", "accumulated_grad"},
            {"accumulated_delta_var", "accumulated_delta_var"}, {"norm", "norm"}};
        const std::vector<std::string> slots = compile.slot_names();
        if (compile.optimizer_class == "Nadam") kinds.emplace_back("u_product");  // built before the slots
        if (keras3_slots_interleaved(compile.optimizer_class)) {
            for (std::size_t i = 0; i < trainable; ++i) {
                for (const std::string& slot : slots) kinds.push_back(words.at(slot));
            }
        } else {
            for (const std::string& slot : slots) {
                for (std::size_t i = 0; i < trainable; ++i) kinds.push_back(words.at(slot));
            }
        }
    }
    if (kinds.size() != vars.size() - 2) {
        throw format_error(where + ": " + std::to_string(vars.size()) + " variables do not fit " +
                           compile.optimizer_class + " state for " + std::to_string(trainable) + " trainable weights");
    }
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        vars[i + 2].name = kinds[i] == "u_product" ? kinds[i] : std::to_string(i) + "_" + kinds[i];
    }
    return vars;
}

// The layer keys in Keras's layer order, the order its optimizer creates
// the slots in, when the architecture is known. HDF5 keeps no creation
// order, and its object addresses follow it only until freed space is
// reused (Keras's own keras3.11.2-mnist-cnn weights place the last Dense
// first), so they order only the keys the architecture does not name.
std::vector<std::string> layer_keys_in_model_order(hid_t layers, const std::string& where, const staged_checkpoint& out)
{
    const std::vector<std::string> in_file = members_in_file_order(layers, where);
    const std::string* config = out.meta("model_config");
    if (config == nullptr) return in_file;
    std::vector<std::string> keys;
    for (const auto& [key, layer] : keras3_layer_keys(model_from_layers_yaml(*config, "metadata model_config"))) {
        if (std::find(in_file.begin(), in_file.end(), key) != in_file.end()) keys.push_back(key);
    }
    for (const std::string& key : in_file) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
    return keys;
}

struct zip_closer {
    void operator()(zip_t* archive) const { zip_discard(archive); }
};

// Caps on what a member may claim uncompressed, checked against the zip
// headers before anything is allocated or inflated (a 1.5 MB archive can
// claim, and inflate to, 1.5 GB). Keras configs are kilobytes; weights are
// as large as the model.
constexpr std::uint64_t json_member_cap = std::uint64_t{64} << 20;
constexpr std::uint64_t weights_member_cap = std::uint64_t{16} << 30;
// deflate's largest expansion: 1032 output bytes per input byte.
constexpr std::uint64_t deflate_max_ratio = 1032;

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::vector<unsigned char> read_member(zip_t* archive, const char* name, std::uint64_t cap, const std::string& path)
{
    zip_stat_t info;
    zip_stat_init(&info);
    if (zip_stat(archive, name, 0, &info) != 0) throw format_error(path + ": the archive has no '" + name + "'");
    if ((info.valid & ZIP_STAT_SIZE) == 0 || (info.valid & ZIP_STAT_COMP_SIZE) == 0) {
        throw format_error(path + ": member '" + name + "' has no plausible size");
    }
    if (info.size > cap) {
        throw format_error(path + ": member '" + name + "' claims " + std::to_string(info.size) +
                           " bytes uncompressed, over the " + mib(cap) + " cap for it");
    }
    if (info.size > info.comp_size * deflate_max_ratio + 1024) {
        throw format_error(path + ": member '" + name + "' claims " + std::to_string(info.size) + " bytes from " +
                           std::to_string(info.comp_size) + " compressed, more than deflate can expand them");
    }
    std::vector<unsigned char> bytes(static_cast<std::size_t>(info.size));
    zip_file_t* file = zip_fopen(archive, name, 0);
    if (file == nullptr) {
        throw format_error(path + ": cannot open member '" + name + "': " + zip_strerror(archive));
    }
    const zip_int64_t got = zip_fread(file, bytes.data(), bytes.size());
    const std::string reason = got < 0 ? zip_file_strerror(file) : "";
    zip_fclose(file);
    if (got < 0 || static_cast<std::uint64_t>(got) != info.size) {
        throw format_error(path + ": member '" + name + "' is damaged or truncated" + (reason.empty() ? "" : ": " + reason));
    }
    return bytes;
}

}  // namespace

void read_keras3_weights(hid_t file, const std::string& where, const compile_spec* compile, staged_checkpoint& out)
{
    h5_id layers = open_group(file, "layers", where + "/");
    std::size_t trainable = 0;
    const std::set<std::string> frozen = frozen_layers_of(out);
    for (const std::string& key : layer_keys_in_model_order(layers.get(), where + "/layers", out)) {
        const std::string at = where + "/layers/" + key;
        if (!has_path(layers.get(), key + "/vars")) {
            throw format_error(at + ": no 'vars' group (nested models are not read)");
        }
        h5_id vars = open_group(layers.get(), key + "/vars", at);
        const std::string layer = has_attribute(vars.get(), "name") ? read_string_attribute(vars.get(), "name", at + "/vars")
                                                                    : key;
        std::vector<staged_tensor> tensors = read_vars(vars.get(), at + "/vars");
        const std::vector<std::string>& names = variable_names(key, at, tensors.size());
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            tensors[i].name = layer + "/" + names[i];
            if (is_trainable_weight(tensors[i].name, frozen)) ++trainable;
            out.tensors.push_back(std::move(tensors[i]));
        }
    }
    if (has_path(file, "vars")) {
        h5_id own = open_group(file, "vars", where + "/");
        if (!members_in_file_order(own.get(), where + "/vars").empty()) {
            throw format_error(where + "/vars: the model has variables of its own, which mlrun models do not have");
        }
    }
    if (compile == nullptr || compile->optimizer_class.empty() || !has_path(file, "optimizer/vars")) return;
    h5_id vars = open_group(file, "optimizer/vars", where + "/");
    const std::string at = where + "/optimizer/vars";
    std::vector<staged_tensor> named = name_optimizer_vars(read_vars(vars.get(), at), trainable, *compile, at);
    std::vector<const staged_tensor*> weights;
    for (const staged_tensor& t : out.tensors) {
        if (is_trainable_weight(t.name, frozen)) weights.push_back(&t);
    }
    std::vector<staged_tensor> state = optimizer_state_from_keras(std::move(named), weights, *compile, at);
    for (staged_tensor& t : state) out.tensors.push_back(std::move(t));
}

staged_checkpoint read_keras_archive(const std::vector<unsigned char>& bytes, const std::string& path)
{
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    std::unique_ptr<zip_t, zip_closer> archive(source != nullptr ? zip_open_from_source(source, ZIP_RDONLY, &error)
                                                                 : nullptr);
    if (!archive) {
        if (source != nullptr) zip_source_free(source);
        const std::string reason = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw format_error("not a readable .keras archive (a zip file): " + reason);
    }
    zip_error_fini(&error);
    staged_checkpoint out;
    out.set_meta("keras_layout", "keras 3 archive");
    if (zip_name_locate(archive.get(), "metadata.json", 0) >= 0) {
        const std::vector<unsigned char> bytes = read_member(archive.get(), "metadata.json", json_member_cap, path);
        const json metadata = parse_json(std::string(bytes.begin(), bytes.end()), "metadata.json");
        if (const json* v = member(metadata, "keras_version"); v != nullptr && v->is_string()) {
            out.set_meta("keras_version", v->get<std::string>());
        }
        if (const json* v = member(metadata, "mlrun_version"); v != nullptr && v->is_string()) {
            out.set_meta("mlrun_version", v->get<std::string>());  // an archive mlrun wrote
        }
    }
    const std::vector<unsigned char> config_bytes = read_member(archive.get(), "config.json", json_member_cap, path);
    const json config = parse_json(std::string(config_bytes.begin(), config_bytes.end()), "config.json");
    translate_architecture([&] { return model_from_keras(config, "config.json"); }, out);
    compile_spec compile;
    if (const json* c = member(config, "compile_config"); c != nullptr && c->is_object()) {
        compile = translate_compile([&] { return compile_from_keras(*c, "optimizer", "config.json: compile_config"); }, out);
    }
    if (zip_name_locate(archive.get(), "model.weights.h5", 0) < 0) {
        const bool npz = zip_name_locate(archive.get(), "model.weights.npz", 0) >= 0;
        throw format_error(npz ? "the weights are in model.weights.npz; mlrun reads model.weights.h5 archives only"
                               : "the archive has no model.weights.h5");
    }
    const std::vector<unsigned char> weights = read_member(archive.get(), "model.weights.h5", weights_member_cap, path);
    h5_id file;
    try {
        file = open_file_image(weights, "model.weights.h5");
    } catch (const format_error& e) {
        throw format_error(std::string("model.weights.h5: ") + e.what());
    }
    read_keras3_weights(file.get(), "model.weights.h5:", &compile, out);
    return out;
}

}  // namespace mlrun::keras_h5
