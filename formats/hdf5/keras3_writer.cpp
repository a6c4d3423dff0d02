// Writing Keras 3's own layouts as Keras 3.8 writes them: .weights.h5
// (/layers/<key>/vars/<i>, /optimizer/vars/<i>, /vars) and .keras archives
// (a zip of metadata.json, config.json and model.weights.h5, stored).
#include "h5_io.hpp"
#include "keras_files.hpp"

#include <zip.h>

#include <algorithm>
#include <ctime>
#include <memory>

namespace mlrun::keras_h5 {
namespace {

// A layer's variables in the order Keras 3 creates them (the reader's
// variable_names); any other weight keeps its place after these.
std::size_t keras3_rank(const std::string& name)
{
    static const std::vector<std::string> order = {"kernel",      "depthwise_kernel", "pointwise_kernel", "bias",
                                                   "gamma",       "beta",             "moving_mean",      "moving_variance"};
    const std::string weight = name.substr(name.rfind('/') + 1);
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), weight) - order.begin());
}

std::vector<const staged_tensor*> layer_weights(const staged_checkpoint& ckpt, const std::string& layer)
{
    std::vector<const staged_tensor*> weights;
    for (const staged_tensor& t : ckpt.tensors) {
        if (!starts_with(t.name, optimizer_prefix) && starts_with(t.name, layer + "/") &&
            t.name.find('/', layer.size() + 1) == std::string::npos) {
            weights.push_back(&t);
        }
    }
    std::stable_sort(weights.begin(), weights.end(),
                     [](const staged_tensor* a, const staged_tensor* b) { return keras3_rank(a->name) < keras3_rank(b->name); });
    return weights;
}

// A "vars" group named `name` holding `tensors` as datasets "0", "1", ...
void write_vars(hid_t parent, const std::string& name, const std::vector<const staged_tensor*>& tensors,
                const std::string& where)
{
    h5_id vars = create_group(parent, "vars", where);
    const std::string at = where + (where == "/" ? "" : "/") + "vars";
    write_string_attribute(vars.get(), "name", name, string_charset::utf8, at);
    for (std::size_t i = 0; i < tensors.size(); ++i) write_dataset(vars.get(), std::to_string(i), *tensors[i], at);
}

void write_optimizer_vars(hid_t file, const staged_checkpoint& ckpt, const std::vector<std::string>& trainable,
                          const compile_spec& compile)
{
    const staged_tensor* iterations = ckpt.find(iterations_name);
    if (iterations == nullptr || compile.optimizer_class.empty()) return;
    staged_tensor counter = *iterations;
    counter.dims.clear();  // a scalar, as Keras stores it
    const staged_tensor rate = keras3_learning_rate(compile);
    std::vector<const staged_tensor*> vars = {&counter, &rate};
    const std::unique_ptr<staged_tensor> u_product = keras3_u_product(compile, counter);
    if (u_product) vars.push_back(u_product.get());
    for (const auto& [name, word] : keras3_optimizer_variables(trainable, compile)) {
        const staged_tensor* t = ckpt.find(name);
        if (t == nullptr) throw format_error("no optimizer tensor '" + name + "' for " + compile.optimizer_class);
        vars.push_back(t);
    }
    h5_id group = create_group(file, "optimizer", "/");
    write_vars(group.get(), keras3_optimizer_name(compile), vars, "/optimizer");
}

// Every metadata entry, for the root attribute "mlrun".
std::string metadata_json(const staged_checkpoint& ckpt)
{
    json all = json::object();
    for (const auto& [key, value] : ckpt.metadata) all[key] = value;
    return keras_dump(all);
}

struct zip_discarder {
    void operator()(zip_t* archive) const { zip_discard(archive); }
};

void add_member(zip_t* archive, const char* name, const std::string& bytes, const std::string& where)
{
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    if (source == nullptr) throw format_error(where + ": cannot add " + name + ": " + zip_strerror(archive));
    const zip_int64_t index = zip_file_add(archive, name, source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
        zip_source_free(source);
        throw format_error(where + ": cannot add " + name + ": " + zip_strerror(archive));
    }
    // Stored, dated 1980-01-01 as Keras 3 writes its JSON members: equal
    // state gives equal bytes.
    std::tm epoch{};
    epoch.tm_year = 80;
    epoch.tm_mday = 1;
    const time_t when = timegm(&epoch);
    if (zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index), when, 0) != 0) {
        throw format_error(where + ": cannot add " + name + ": " + zip_strerror(archive));
    }
}

}  // namespace

void write_keras3_weights(hid_t file, const staged_checkpoint& ckpt, bool keep_metadata)
{
    const std::string* layers = ckpt.meta("model_config");
    if (layers == nullptr) throw format_error("a Keras 3 weights file needs the model_config metadata (its layer keys)");
    const model_spec spec = model_from_layers_yaml(*layers, "metadata model_config");
    if (keep_metadata) write_string_attribute(file, "mlrun", metadata_json(ckpt), string_charset::utf8, "/");
    write_vars(file, keras3_model_name(spec), {}, "/");  // the model's own variables: none
    const compile_spec compile = compile_from_metadata(ckpt);
    const std::vector<std::string> slots = compile.slot_names();
    h5_id group = create_group(file, "layers", "/");
    std::vector<std::string> trainable;  // the weights with optimizer slots, in Keras's order
    std::size_t written = 0;
    for (const auto& [key, layer] : keras3_layer_keys(spec)) {
        const std::vector<const staged_tensor*> weights = layer_weights(ckpt, layer);
        h5_id layer_group = create_group(group.get(), key, "/layers");
        write_vars(layer_group.get(), layer, weights, "/layers/" + key);
        for (const staged_tensor* t : weights) {
            const std::string first_slot = std::string(optimizer_prefix) + t->name + "/" + (slots.empty() ? "" : slots[0]);
            if (is_trainable_weight(t->name) && (slots.empty() || ckpt.find(first_slot) != nullptr)) {
                trainable.push_back(t->name);
            }
        }
        written += weights.size();
    }
    std::size_t total = 0;
    for (const staged_tensor& t : ckpt.tensors) total += starts_with(t.name, optimizer_prefix) ? 0 : 1;
    if (written != total) {
        throw format_error("the checkpoint has " + std::to_string(total - written) +
                           " weight(s) of no layer in the model_config; a Keras 3 file keeps weights per layer");
    }
    write_optimizer_vars(file, ckpt, trainable, compile);
}

std::vector<unsigned char> keras_archive_image(const staged_checkpoint& ckpt, const std::string& name)
{
    const std::string* layers = ckpt.meta("model_config");
    if (layers == nullptr) throw format_error("a .keras archive needs the model_config metadata");
    const model_spec spec = model_from_layers_yaml(*layers, "metadata model_config");
    json config = keras3_model_config(spec, keras3_form::archive);
    const compile_spec compile = compile_from_metadata(ckpt);
    if (!compile.optimizer_class.empty()) config["compile_config"] = keras3_compile_config(compile);
    json metadata = {{"keras_version", keras3_written_version}};
    if (const std::string* version = ckpt.meta("mlrun_version")) metadata["mlrun_version"] = *version;

    std::vector<unsigned char> weights;
    {
        h5_id file = create_file_in_memory(name + ":model.weights.h5");
        write_keras3_weights(file.get(), ckpt, false);
        weights = file_image(file.get(), name + ":model.weights.h5");
    }
    const std::string members[] = {keras_dump(metadata), keras_dump(config),
                                   std::string(weights.begin(), weights.end())};

    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* target = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (target == nullptr) throw format_error(name + ": cannot make a zip archive: " + zip_error_strerror(&error));
    zip_source_keep(target);  // read back after the archive is closed
    std::unique_ptr<zip_source_t, void (*)(zip_source_t*)> keep(target, zip_source_free);
    std::unique_ptr<zip_t, zip_discarder> archive(zip_open_from_source(target, ZIP_TRUNCATE, &error));
    if (!archive) throw format_error(name + ": cannot make a zip archive: " + zip_error_strerror(&error));
    add_member(archive.get(), "metadata.json", members[0], name);
    add_member(archive.get(), "config.json", members[1], name);
    add_member(archive.get(), "model.weights.h5", members[2], name);
    if (zip_close(archive.get()) != 0) throw format_error(name + ": cannot finish the zip archive: " + zip_strerror(archive.get()));
    archive.release();  // zip_close freed it

    std::vector<unsigned char> bytes;
    if (zip_source_open(target) != 0) throw format_error(name + ": cannot read the zip archive back");
    zip_source_seek(target, 0, SEEK_END);
    const zip_int64_t size = zip_source_tell(target);
    zip_source_seek(target, 0, SEEK_SET);
    bytes.resize(size > 0 ? static_cast<std::size_t>(size) : 0);
    const zip_int64_t got = bytes.empty() ? 0 : zip_source_read(target, bytes.data(), bytes.size());
    zip_source_close(target);
    if (got != size) throw format_error(name + ": cannot read the zip archive back");
    return bytes;
}

}  // namespace mlrun::keras_h5
