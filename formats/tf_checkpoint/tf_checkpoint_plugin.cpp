// The tf_checkpoint format plugin: mlrun checkpoints as TensorFlow tensor
// bundles, and TensorFlow's own bundles read into mlrun. This file is the
// ABI glue; checkpoint_writer and checkpoint_view do the work.
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
#include "checkpoint_view.hpp"
#include "checkpoint_writer.hpp"
#include "tf_options.hpp"
#include "tf_types.hpp"

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/plugin/plugin_author.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using mlrun::plugin_author::guarded;
namespace tf = mlrun::tf;

struct mlrun_format_writer {
    std::string error;
    std::unique_ptr<tf::checkpoint_writer> checkpoint;
};

struct mlrun_format_reader {
    std::string error;
    std::unique_ptr<tf::bundle_reader> bundle;
    tf::checkpoint_view view;
};

namespace {

std::vector<std::pair<std::string, std::string>> option_list(const mlrun_option* options, size_t count)
{
    std::vector<std::pair<std::string, std::string>> list;
    for (size_t i = 0; i < count; ++i) {
        list.emplace_back(options[i].key != nullptr ? options[i].key : "", options[i].value != nullptr ? options[i].value : "");
    }
    return list;
}

void copy_error(const std::string& message, char* error, size_t error_size)
{
    if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", message.c_str());
}

// ---- writing

mlrun_status save_begin(const char* path, const mlrun_option* options, size_t option_count, mlrun_format_writer** out,
                        char* error, size_t error_size)
{
    std::string message;
    auto writer = std::make_unique<mlrun_format_writer>();
    const mlrun_status status = guarded(message, [&] {
        if (path == nullptr || *path == '\0') throw std::runtime_error("no checkpoint path given");
        writer->checkpoint = std::make_unique<tf::checkpoint_writer>(
            path, tf::parse_tf_options(option_list(options, option_count), false));
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
        if (t->dtype != MLRUN_DTYPE_STRING) {
            w->checkpoint->add_numeric(name, tf_dtype, dims, t->data, t->byte_size);
            return MLRUN_STATUS_OK;
        }
        std::uint64_t count = 1;
        for (std::int64_t d : dims) count *= static_cast<std::uint64_t>(d < 0 ? 0 : d);
        const auto* pointers = static_cast<const char* const*>(t->data);
        if (count > 0 && (pointers == nullptr || t->string_lengths == nullptr)) {
            throw std::runtime_error("string tensor '" + name + "' has no elements");
        }
        std::vector<std::string_view> elements;
        for (std::uint64_t i = 0; i < count; ++i) elements.emplace_back(pointers[i], t->string_lengths[i]);
        w->checkpoint->add_strings(name, dims, elements);
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_metadata(mlrun_format_writer* w, const char* key, const char* value)
{
    return guarded(w->error, [&] {
        if (key == nullptr || *key == '\0' || value == nullptr) throw std::runtime_error("metadata without a key or value");
        w->checkpoint->add_metadata(key, value);
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_commit(mlrun_format_writer* w, char* error, size_t error_size)
{
    const std::unique_ptr<mlrun_format_writer> owned(w);  // freed either way; an unfinished bundle removes its temporaries
    const mlrun_status status = guarded(w->error, [&] {
        w->checkpoint->commit();
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_error(w->error, error, error_size);
    return status;
}

void save_abort(mlrun_format_writer* w) { delete w; }

const char* writer_error(mlrun_format_writer* w) { return w->error.c_str(); }

// ---- reading

mlrun_status open(const char* path, const mlrun_option* options, size_t option_count, mlrun_format_reader** out,
                  char* error, size_t error_size)
{
    std::string message;
    auto reader = std::make_unique<mlrun_format_reader>();
    const mlrun_status status = guarded(message, [&] {
        if (path == nullptr || *path == '\0') throw std::runtime_error("no checkpoint path given");
        const tf::tf_options parsed = tf::parse_tf_options(option_list(options, option_count), true);
        reader->bundle = std::make_unique<tf::bundle_reader>(path, parsed.require_data);
        reader->view = tf::view_checkpoint(*reader->bundle, parsed);
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) {
        copy_error(message, error, error_size);
        return status;
    }
    *out = reader.release();
    return MLRUN_STATUS_OK;
}

int64_t tensor_count(mlrun_format_reader* r) { return static_cast<int64_t>(r->view.tensors.size()); }

const tf::viewed_tensor& tensor_at(const mlrun_format_reader* r, int64_t index)
{
    if (index < 0 || static_cast<std::size_t>(index) >= r->view.tensors.size()) {
        throw std::runtime_error("no tensor #" + std::to_string(index) + " (the bundle shows " +
                                 std::to_string(r->view.tensors.size()) + ")");
    }
    return r->view.tensors[static_cast<std::size_t>(index)];
}

mlrun_status tensor_info(mlrun_format_reader* r, int64_t index, mlrun_tensor_view* out)
{
    return guarded(r->error, [&] {
        const tf::viewed_tensor& t = tensor_at(r, index);
        *out = mlrun_tensor_view{};
        out->name = t.name.c_str();
        out->dtype = t.dtype;
        out->rank = static_cast<int32_t>(t.entry->dims.size());
        out->dims = t.entry->dims.data();
        out->byte_size = t.dtype == MLRUN_DTYPE_STRING ? 0 : t.entry->size;
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_tensor(mlrun_format_reader* r, int64_t index, void* dst, uint64_t dst_size)
{
    return guarded(r->error, [&] {
        const tf::viewed_tensor& t = tensor_at(r, index);
        if (t.dtype == MLRUN_DTYPE_STRING) throw std::runtime_error("tensor '" + t.name + "' holds strings");
        if (dst_size != t.entry->size) {
            throw std::runtime_error("tensor '" + t.name + "' has " + std::to_string(t.entry->size) +
                                     " bytes, the destination " + std::to_string(dst_size));
        }
        r->bundle->read_numeric(*t.entry, dst);
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_strings(mlrun_format_reader* r, int64_t index, mlrun_string_sink sink, void* context)
{
    return guarded(r->error, [&] {
        const std::vector<std::string> elements = r->bundle->read_strings(*tensor_at(r, index).entry);
        for (std::size_t i = 0; i < elements.size(); ++i) {
            sink(context, static_cast<int64_t>(i), elements[i].data(), elements[i].size());
        }
        return MLRUN_STATUS_OK;
    });
}

int64_t metadata_count(mlrun_format_reader* r) { return static_cast<int64_t>(r->view.metadata.size()); }

mlrun_status metadata_entry(mlrun_format_reader* r, int64_t index, const char** key, const char** value)
{
    return guarded(r->error, [&] {
        mlrun::plugin_author::metadata_entry_at(r->view.metadata, index, key, value);
        return MLRUN_STATUS_OK;
    });
}

void close(mlrun_format_reader* r) { delete r; }

const char* reader_error(mlrun_format_reader* r) { return r->error.c_str(); }

const mlrun_format_table table = [] {
    mlrun_format_table t{};
    t.struct_size = sizeof(mlrun_format_table);
    t.suffixes = "";  // paths are prefixes: PREFIX.index + PREFIX.data-*
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
    t.flags = MLRUN_FORMAT_PREFIX_PATHS;
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
    return mlrun::plugin_author::descriptor_for(host, descriptor);
}

}  // namespace

MLRUN_PLUGIN_EXPORT(tf_checkpoint_entry)
MLRUN_FORMAT_FACTS("tf_checkpoint", "1.0.0", "TensorFlow checkpoints: PREFIX.index + PREFIX.data-00000-of-00001, tf.keras object names", "", MLRUN_FORMAT_PREFIX_PATHS)
