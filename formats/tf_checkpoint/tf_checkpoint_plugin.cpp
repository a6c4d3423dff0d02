// The tf_checkpoint format plugin: mlrun checkpoints as TensorFlow tensor
// bundles, and TensorFlow's own bundles read into mlrun.
//
// Options (all optional):
//   names = mlrun | tensorflow   mlrun (default): tensors carry mlrun names
//                                and are stored under tf.keras object names
//                                with an object graph; tensorflow: keys are
//                                stored and read exactly as given.
//   layer_names = a,b,...        reading: the model's weighted layers in
//                                order, so layer_with_weights-k maps onto
//                                the k-th of them.
//   require_data = true | false  reading: false opens a bundle whose data
//                                shards are missing (names only).
//
// mlrun metadata travels as scalar string tensors under
// `_MLRUN_METADATA/<key>`, which no TensorFlow object refers to.
#include "bundle_reader.hpp"
#include "bundle_writer.hpp"
#include "keras_names.hpp"
#include "model_outline.hpp"
#include "tf_types.hpp"

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/plugin/plugin_author.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using mlrun::plugin_author::guarded;
namespace tf = mlrun::tf;

namespace {

constexpr const char* metadata_prefix = "_MLRUN_METADATA/";

enum class naming { mlrun, tensorflow };

struct parsed_options {
    naming names = naming::mlrun;
    std::vector<std::string> layer_names;
    bool require_data = true;
};

bool parse_bool(const std::string& key, const std::string& value)
{
    if (value == "true" || value == "1") return true;
    if (value == "false" || value == "0") return false;
    throw std::runtime_error("option " + key + ": expected true or false, found '" + value + "'");
}

parsed_options parse_options(const mlrun_option* options, size_t count, bool reading)
{
    parsed_options parsed;
    for (size_t i = 0; i < count; ++i) {
        const std::string key = options[i].key != nullptr ? options[i].key : "";
        const std::string value = options[i].value != nullptr ? options[i].value : "";
        if (key == "names") {
            if (value == "mlrun") parsed.names = naming::mlrun;
            else if (value == "tensorflow") parsed.names = naming::tensorflow;
            else throw std::runtime_error("option names: expected mlrun or tensorflow, found '" + value + "'");
        } else if (reading && key == "layer_names") {
            std::size_t start = 0;
            while (start <= value.size() && !value.empty()) {
                const std::size_t end = std::min(value.find(',', start), value.size());
                parsed.layer_names.push_back(value.substr(start, end - start));
                start = end + 1;
            }
        } else if (reading && key == "require_data") {
            parsed.require_data = parse_bool(key, value);
        } else {
            throw std::runtime_error("unknown option '" + key + "' (tf_checkpoint " +
                                     (reading ? "reads names, layer_names, require_data" : "writes names") + ")");
        }
    }
    return parsed;
}

void copy_error(const std::string& message, char* error, size_t error_size)
{
    if (error == nullptr || error_size == 0) return;
    std::snprintf(error, error_size, "%s", message.c_str());
}

std::string float_text(float value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));
    return text;
}

std::string shape_text(const std::vector<std::int64_t>& dims)
{
    std::string text = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + "]";
}

}  // namespace

// ---- writing

struct mlrun_format_writer {
    std::string error;
    parsed_options options;
    std::unique_ptr<tf::bundle_writer> bundle;
    std::vector<std::pair<std::string, tf::BundleEntryProto>> tensors;  // mlrun name -> entry
    std::map<std::string, std::string> metadata;
};

namespace {

mlrun_status save_begin(const char* path, const mlrun_option* options, size_t option_count, mlrun_format_writer** out,
                        char* error, size_t error_size)
{
    std::string message;
    auto writer = std::make_unique<mlrun_format_writer>();
    const mlrun_status status = guarded(message, [&] {
        if (path == nullptr || *path == '\0') throw std::runtime_error("no checkpoint path given");
        writer->options = parse_options(options, option_count, false);
        writer->bundle = std::make_unique<tf::bundle_writer>(path);
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) {
        copy_error(message, error, error_size);
        return status;
    }
    *out = writer.release();
    return MLRUN_STATUS_OK;
}

mlrun_status save_tensor(mlrun_format_writer* w, const mlrun_tensor_view* t)
{
    return guarded(w->error, [&] {
        if (t == nullptr || t->name == nullptr || *t->name == '\0') throw std::runtime_error("a tensor has no name");
        const std::string name = t->name;
        if (t->rank < 0 || (t->rank > 0 && t->dims == nullptr)) throw std::runtime_error("tensor '" + name + "' has a bad rank");
        const std::vector<std::int64_t> dims(t->dims, t->dims + t->rank);
        const int tf_dtype = tf::tf_dtype_of(static_cast<mlrun_dtype>(t->dtype));
        if (tf_dtype == 0) throw std::runtime_error("tensor '" + name + "' has unknown dtype code " + std::to_string(t->dtype));
        if (t->dtype == MLRUN_DTYPE_STRING) {
            std::uint64_t count = 1;
            for (std::int64_t d : dims) count *= static_cast<std::uint64_t>(d < 0 ? 0 : d);
            const auto* pointers = static_cast<const char* const*>(t->data);
            if (count > 0 && (pointers == nullptr || t->string_lengths == nullptr)) {
                throw std::runtime_error("string tensor '" + name + "' has no elements");
            }
            std::vector<std::string_view> elements;
            for (std::uint64_t i = 0; i < count; ++i) elements.emplace_back(pointers[i], t->string_lengths[i]);
            w->tensors.emplace_back(name, w->bundle->add_strings(name, dims, elements));
        } else {
            w->tensors.emplace_back(name, w->bundle->add_numeric(name, tf_dtype, dims, t->data, t->byte_size));
        }
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_metadata(mlrun_format_writer* w, const char* key, const char* value)
{
    return guarded(w->error, [&] {
        if (key == nullptr || *key == '\0' || value == nullptr) throw std::runtime_error("metadata without a key or value");
        w->metadata[key] = value;
        return MLRUN_STATUS_OK;
    });
}

std::string metadata_value(const mlrun_format_writer& w, const char* key)
{
    const auto found = w.metadata.find(key);
    return found == w.metadata.end() ? "" : found->second;
}

void commit(mlrun_format_writer& w)
{
    std::vector<std::pair<std::string, tf::BundleEntryProto>> entries;
    if (w.options.names == naming::tensorflow) {
        entries = w.tensors;
    } else {
        std::vector<std::string> names;
        for (const auto& t : w.tensors) names.push_back(t.first);
        const tf::model_outline outline =
            tf::read_model_outline(metadata_value(w, "model_config"), metadata_value(w, "optimizer_config"));
        const tf::keras_layout layout = tf::plan_keras_layout(names, outline);
        for (std::size_t i = 0; i < w.tensors.size(); ++i) entries.emplace_back(layout.keys[i], w.tensors[i].second);
        for (std::size_t i = 0; i < layout.hyperparameter_keys.size(); ++i) {
            const float value = outline.hyperparameters[i].second;
            entries.emplace_back(layout.hyperparameter_keys[i],
                                 w.bundle->add_numeric(layout.hyperparameter_keys[i], tf::DT_FLOAT, {}, &value, sizeof value));
        }
        if (!layout.object_graph.empty()) {
            entries.emplace_back(tf::object_graph_key, w.bundle->add_strings(tf::object_graph_key, {}, {layout.object_graph}));
        }
    }
    for (const auto& [key, value] : w.metadata) {
        const std::string name = metadata_prefix + key;
        entries.emplace_back(name, w.bundle->add_strings(name, {}, {value}));
    }
    w.bundle->commit(std::move(entries));
}

mlrun_status save_commit(mlrun_format_writer* w, char* error, size_t error_size)
{
    std::unique_ptr<mlrun_format_writer> owned(w);
    const mlrun_status status = guarded(w->error, [&] {
        commit(*w);
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_error(w->error, error, error_size);
    return status;  // the writer's destructor removes any temporaries left
}

void save_abort(mlrun_format_writer* w) { delete w; }

const char* writer_error(mlrun_format_writer* w) { return w->error.c_str(); }

}  // namespace

// ---- reading

struct mlrun_format_reader {
    struct exposed {
        std::string name;
        const tf::bundle_entry* entry;
        int dtype;  // mlrun_dtype
    };
    std::string error;
    std::unique_ptr<tf::bundle_reader> bundle;
    std::vector<exposed> tensors;
    std::vector<std::pair<std::string, std::string>> metadata;
};

namespace {

// The optimizer settings a legacy tf.keras checkpoint keeps as variables;
// mlrun takes them from the experiment, so they are reported, not loaded.
std::string setting_line(const tf::bundle_reader& bundle, const tf::bundle_entry& e)
{
    std::string name = e.key;
    const std::size_t attributes = name.find("/.ATTRIBUTES/");
    if (attributes != std::string::npos) name.resize(attributes);
    name = name.substr(name.rfind('/') + 1);
    if (e.dtype == tf::DT_FLOAT && e.dims.empty()) {
        float value = 0.0f;
        bundle.read_numeric(e, &value);
        return name + ": " + float_text(value) + "\n";
    }
    return name + ": (" + tf::tf_dtype_name(e.dtype) + " " + shape_text(e.dims) + ")\n";
}

void expose_entries(mlrun_format_reader& r, const parsed_options& options)
{
    std::vector<const tf::bundle_entry*> order;
    for (const tf::bundle_entry& e : r.bundle->entries()) order.push_back(&e);
    // Storage order: the order the writer added the tensors, so reading
    // and writing again reproduces the data file byte for byte.
    std::stable_sort(order.begin(), order.end(), [](const tf::bundle_entry* a, const tf::bundle_entry* b) {
        return a->shard != b->shard ? a->shard < b->shard : a->offset < b->offset;
    });

    tf::keras_mapping mapping;
    const tf::bundle_entry* graph_entry = r.bundle->find(tf::object_graph_key);
    const bool mlrun_names = options.names == naming::mlrun;
    if (mlrun_names && graph_entry != nullptr && options.require_data) {
        tf::TrackableObjectGraph graph;
        const std::vector<std::string> bytes = r.bundle->read_strings(*graph_entry);
        if (bytes.size() != 1 || !graph.ParseFromString(bytes[0])) {
            throw std::runtime_error(r.bundle->data_file(graph_entry->shard) + ": tensor '" + tf::object_graph_key +
                                     "' is not a TrackableObjectGraph");
        }
        mapping = tf::map_keras_keys(graph, options.layer_names);
    }
    std::string skipped;
    std::string settings;
    for (const tf::bundle_entry* e : order) {
        const int dtype = tf::mlrun_dtype_of(e->dtype);
        if (e->sliced || dtype == 0) {
            skipped += e->key + ": " + tf::tf_dtype_name(e->dtype) + " " + shape_text(e->dims) +
                       (e->sliced ? " (a slice of a partitioned variable)\n" : " (mlrun has no such type)\n");
            continue;
        }
        if (mlrun_names) {
            const bool scalar_string = e->dtype == tf::DT_STRING && e->dims.empty();
            if (e->key == tf::object_graph_key) continue;
            if (e->key.rfind(metadata_prefix, 0) == 0 && scalar_string) {
                if (options.require_data) {
                    r.metadata.emplace_back(e->key.substr(std::strlen(metadata_prefix)), r.bundle->read_strings(*e).at(0));
                }
                continue;
            }
            if (mapping.hyperparameters.count(e->key) != 0) {
                settings += setting_line(*r.bundle, *e);
                continue;
            }
            if (mapping.non_variables.count(e->key) != 0) {
                if (scalar_string) r.metadata.emplace_back("tf_object_config/" + e->key, r.bundle->read_strings(*e).at(0));
                else skipped += e->key + ": " + tf::tf_dtype_name(e->dtype) + " (not a variable)\n";
                continue;
            }
            const auto mapped = mapping.names.find(e->key);
            if (mapped != mapping.names.end()) {
                r.tensors.push_back({mapped->second, e, dtype});
                continue;
            }
        }
        r.tensors.push_back({e->key, e, dtype});
    }
    if (!settings.empty()) r.metadata.emplace_back("tf_optimizer_settings", settings);
    if (!skipped.empty()) r.metadata.emplace_back("tf_skipped_tensors", skipped);
}

mlrun_status open(const char* path, const mlrun_option* options, size_t option_count, mlrun_format_reader** out,
                  char* error, size_t error_size)
{
    std::string message;
    auto reader = std::make_unique<mlrun_format_reader>();
    const mlrun_status status = guarded(message, [&] {
        if (path == nullptr || *path == '\0') throw std::runtime_error("no checkpoint path given");
        const parsed_options parsed = parse_options(options, option_count, true);
        reader->bundle = std::make_unique<tf::bundle_reader>(path, parsed.require_data);
        expose_entries(*reader, parsed);
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) {
        copy_error(message, error, error_size);
        return status == MLRUN_STATUS_INTERNAL ? MLRUN_STATUS_IO_ERROR : status;
    }
    *out = reader.release();
    return MLRUN_STATUS_OK;
}

int64_t tensor_count(mlrun_format_reader* r) { return static_cast<int64_t>(r->tensors.size()); }

const mlrun_format_reader::exposed* tensor_at(mlrun_format_reader* r, int64_t index)
{
    if (index < 0 || static_cast<std::size_t>(index) >= r->tensors.size()) {
        throw std::runtime_error("no tensor #" + std::to_string(index) + " (the bundle has " +
                                 std::to_string(r->tensors.size()) + ")");
    }
    return &r->tensors[static_cast<std::size_t>(index)];
}

mlrun_status tensor_info(mlrun_format_reader* r, int64_t index, mlrun_tensor_view* out)
{
    return guarded(r->error, [&] {
        const auto* t = tensor_at(r, index);
        *out = mlrun_tensor_view{};
        out->name = t->name.c_str();
        out->dtype = t->dtype;
        out->rank = static_cast<int32_t>(t->entry->dims.size());
        out->dims = t->entry->dims.data();
        out->byte_size = t->dtype == MLRUN_DTYPE_STRING ? 0 : t->entry->size;
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_tensor(mlrun_format_reader* r, int64_t index, void* dst, uint64_t dst_size)
{
    return guarded(r->error, [&] {
        const auto* t = tensor_at(r, index);
        if (t->dtype == MLRUN_DTYPE_STRING) throw std::runtime_error("tensor '" + t->name + "' holds strings");
        if (dst_size != t->entry->size) {
            throw std::runtime_error("tensor '" + t->name + "' has " + std::to_string(t->entry->size) +
                                     " bytes, the destination " + std::to_string(dst_size));
        }
        r->bundle->read_numeric(*t->entry, dst);
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_strings(mlrun_format_reader* r, int64_t index, mlrun_string_sink sink, void* context)
{
    return guarded(r->error, [&] {
        const auto* t = tensor_at(r, index);
        const std::vector<std::string> elements = r->bundle->read_strings(*t->entry);
        for (std::size_t i = 0; i < elements.size(); ++i) {
            sink(context, static_cast<int64_t>(i), elements[i].data(), elements[i].size());
        }
        return MLRUN_STATUS_OK;
    });
}

int64_t metadata_count(mlrun_format_reader* r) { return static_cast<int64_t>(r->metadata.size()); }

mlrun_status metadata_entry(mlrun_format_reader* r, int64_t index, const char** key, const char** value)
{
    return guarded(r->error, [&] {
        if (index < 0 || static_cast<std::size_t>(index) >= r->metadata.size()) {
            throw std::runtime_error("no metadata entry #" + std::to_string(index));
        }
        const auto& entry = r->metadata[static_cast<std::size_t>(index)];
        *key = entry.first.c_str();
        *value = entry.second.c_str();
        return MLRUN_STATUS_OK;
    });
}

void close(mlrun_format_reader* r) { delete r; }

const char* reader_error(mlrun_format_reader* r) { return r->error.c_str(); }

const mlrun_format_table table = [] {
    mlrun_format_table t{};
    t.struct_size = sizeof(mlrun_format_table);
    t.suffixes = "";
    t.save_begin = save_begin;
    t.save_tensor = save_tensor;
    t.save_metadata = save_metadata;
    t.save_commit = save_commit;
    t.save_abort = save_abort;
    t.writer_error = writer_error;
    t.open = open;
    t.tensor_count = tensor_count;
    t.tensor_info = tensor_info;
    t.read_tensor = read_tensor;
    t.read_strings = read_strings;
    t.metadata_count = metadata_count;
    t.metadata_entry = metadata_entry;
    t.close = close;
    t.reader_error = reader_error;
    return t;
}();

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor),
    MLRUN_ABI_MAJOR,
    MLRUN_ABI_MINOR,
    MLRUN_PLUGIN_FORMAT,
    "tf_checkpoint",
    "1.0.0",
    "TensorFlow checkpoints: PREFIX.index + PREFIX.data-00000-of-00001, tf.keras object names",
    &table,
};

const mlrun_plugin_descriptor* tf_checkpoint_entry(const mlrun_host_info* host)
{
    if (host == nullptr || host->abi_major != MLRUN_ABI_MAJOR) return nullptr;
    return &descriptor;
}

}  // namespace

MLRUN_PLUGIN_EXPORT(tf_checkpoint_entry)
