// The format plugin "hdf5": Keras HDF5 files behind mlrun_format.h.
//
// Saving stages the tensors and metadata in memory and writes the file on
// commit (to a temporary name, renamed into place); opening reads and
// checks the whole file up front, so later calls cannot fail half-way.
#include "h5_io.hpp"
#include "keras_files.hpp"

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/plugin/plugin_author.hpp"

#include <cstdlib>
#include <cstring>

using mlrun::plugin_author::copy_message;
using mlrun::plugin_author::element_size;
using mlrun::plugin_author::guarded;
using mlrun::plugin_author::parse_flag;
namespace kh = mlrun::keras_h5;

struct mlrun_format_writer {
    std::string path;
    bool weights_only = false;
    kh::keras_generation generation = kh::keras_generation::keras2;
    kh::staged_checkpoint ckpt;
    std::string error;
};

struct mlrun_format_reader {
    kh::staged_checkpoint ckpt;
    std::string error;
};

namespace {

mlrun_status save_begin(const char* path, const mlrun_option* options, size_t option_count,
                        mlrun_format_writer** out, char* error, size_t error_size)
{
    std::string message;
    const mlrun_status status = guarded(message, [&] {
        auto writer = std::make_unique<mlrun_format_writer>();
        writer->path = path;
        writer->generation = kh::default_generation(path);
        for (size_t i = 0; i < option_count; ++i) {
            const std::string key = options[i].key != nullptr ? options[i].key : "";
            const std::string value = options[i].value != nullptr ? options[i].value : "";
            if (key == "keras_version") {
                writer->generation = kh::parse_keras_version(value);
            } else if (key == "weights_only") {
                writer->weights_only = parse_flag(key, value);
            } else {
                throw kh::format_error("unknown option '" + key + "'; the hdf5 format knows: weights_only, keras_version");
            }
        }
        kh::check_keras_save_path(path, writer->generation, writer->weights_only);
        *out = writer.release();
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status;
}

mlrun_status check_save_path(const char* path, char* error, size_t error_size)
{
    std::string message;
    const mlrun_status status = guarded(message, [&] {
        kh::check_keras_save_path(path);
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status;
}

mlrun_status save_tensor(mlrun_format_writer* writer, const mlrun_tensor_view* view)
{
    return guarded(writer->error, [&] {
        const std::string name = view->name != nullptr ? view->name : "";
        const size_t size = element_size(view->dtype);
        if (size == 0) {
            throw kh::format_error("tensor '" + name + "': Keras HDF5 files hold numeric tensors only");
        }
        if (view->rank < 0 || (view->rank > 0 && view->dims == nullptr)) {
            throw kh::format_error("tensor '" + name + "': bad rank " + std::to_string(view->rank));
        }
        kh::staged_tensor t;
        t.name = name;
        t.dtype = static_cast<mlrun_dtype>(view->dtype);
        t.dims.assign(view->dims, view->dims + view->rank);
        if (static_cast<uint64_t>(t.element_count()) * size != view->byte_size) {
            throw kh::format_error("tensor '" + name + "': " + std::to_string(view->byte_size) +
                                   " bytes do not match its shape " + kh::shape_text(t.dims));
        }
        const auto* bytes = static_cast<const unsigned char*>(view->data);
        t.bytes.assign(bytes, bytes + view->byte_size);
        writer->ckpt.tensors.push_back(std::move(t));
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_metadata(mlrun_format_writer* writer, const char* key, const char* value)
{
    return guarded(writer->error, [&] {
        writer->ckpt.set_meta(key, value);
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_commit(mlrun_format_writer* writer, char* error, size_t error_size)
{
    std::unique_ptr<mlrun_format_writer> owned(writer);
    std::string message;
    const mlrun_status status = guarded(message, [&] {
        kh::h5_quiet quiet;
        kh::write_keras_file(owned->path, owned->ckpt, owned->weights_only, owned->generation);
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status == MLRUN_STATUS_INTERNAL ? MLRUN_STATUS_IO_ERROR : status;
}

void save_abort(mlrun_format_writer* writer) { delete writer; }

const char* writer_error(mlrun_format_writer* writer) { return writer->error.c_str(); }

// read_timeout=SECONDS: how long the isolated first read of a file without
// mlrun's checksum block may take (default 20 s + 1 s per 16 MiB).
unsigned parse_read_timeout(const mlrun_option* options, size_t option_count)
{
    unsigned seconds = 0;
    for (size_t i = 0; i < option_count; ++i) {
        const std::string key = options[i].key != nullptr ? options[i].key : "";
        const std::string value = options[i].value != nullptr ? options[i].value : "";
        if (key != "read_timeout") {
            throw kh::format_error("unknown reading option '" + key + "' (the hdf5 format reads with: read_timeout)");
        }
        char* end = nullptr;
        const unsigned long parsed = std::strtoul(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || parsed < 1 || parsed > 86400) {
            throw kh::format_error("option read_timeout: expected whole seconds from 1 to 86400, found '" + value + "'");
        }
        seconds = static_cast<unsigned>(parsed);
    }
    return seconds;
}

mlrun_status open(const char* path, const mlrun_option* options, size_t option_count, mlrun_format_reader** out,
                  char* error, size_t error_size)
{
    std::string message;
    const mlrun_status status = guarded(message, [&] {
        const unsigned read_timeout = parse_read_timeout(options, option_count);
        kh::h5_quiet quiet;
        auto reader = std::make_unique<mlrun_format_reader>();
        reader->ckpt = kh::read_keras_file(path, read_timeout);
        *out = reader.release();
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status == MLRUN_STATUS_INTERNAL ? MLRUN_STATUS_IO_ERROR : status;
}

int64_t tensor_count(mlrun_format_reader* reader) { return static_cast<int64_t>(reader->ckpt.tensors.size()); }

const kh::staged_tensor* tensor_at(mlrun_format_reader* reader, int64_t index)
{
    if (index < 0 || static_cast<size_t>(index) >= reader->ckpt.tensors.size()) {
        throw kh::format_error("no tensor #" + std::to_string(index));
    }
    return &reader->ckpt.tensors[static_cast<size_t>(index)];
}

mlrun_status tensor_info(mlrun_format_reader* reader, int64_t index, mlrun_tensor_view* out)
{
    return guarded(reader->error, [&] {
        const kh::staged_tensor* t = tensor_at(reader, index);
        *out = mlrun_tensor_view{t->name.c_str(), t->dtype, static_cast<int32_t>(t->dims.size()), t->dims.data(),
                                 nullptr, t->bytes.size(), nullptr};
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_tensor(mlrun_format_reader* reader, int64_t index, void* dst, uint64_t dst_size)
{
    return guarded(reader->error, [&] {
        const kh::staged_tensor* t = tensor_at(reader, index);
        if (dst_size != t->bytes.size()) {
            throw kh::format_error("tensor '" + t->name + "' has " + std::to_string(t->bytes.size()) +
                                   " bytes, the caller offers " + std::to_string(dst_size));
        }
        if (!t->bytes.empty()) std::memcpy(dst, t->bytes.data(), t->bytes.size());
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_strings(mlrun_format_reader* reader, int64_t index, mlrun_string_sink, void*)
{
    return guarded(reader->error, [&]() -> mlrun_status {
        throw kh::format_error("tensor '" + tensor_at(reader, index)->name + "' is numeric; Keras files hold no strings");
    });
}

int64_t metadata_count(mlrun_format_reader* reader) { return static_cast<int64_t>(reader->ckpt.metadata.size()); }

mlrun_status metadata_entry(mlrun_format_reader* reader, int64_t index, const char** key, const char** value)
{
    return guarded(reader->error, [&] {
        mlrun::plugin_author::metadata_entry_at(reader->ckpt.metadata, index, key, value);
        return MLRUN_STATUS_OK;
    });
}

void close(mlrun_format_reader* reader) { delete reader; }

const char* reader_error(mlrun_format_reader* reader) { return reader->error.c_str(); }

const mlrun_format_table table = [] {
    mlrun_format_table t{};
    t.struct_size = sizeof(mlrun_format_table);
    t.suffixes = ".h5;.hdf5;.keras";
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
    t.check_save_path = check_save_path;
    return t;
}();

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor),
    MLRUN_ABI_MAJOR,
    MLRUN_ABI_MINOR,
    MLRUN_PLUGIN_FORMAT,
    "hdf5",
    "1.0.0",
    "Keras HDF5 whole models and weights (.h5, .hdf5) and Keras 3 .keras and .weights.h5",
    &table,
};

const mlrun_plugin_descriptor* hdf5_entry(const mlrun_host_info* host)
{
    return mlrun::plugin_author::descriptor_for(host, descriptor);
}

}  // namespace

MLRUN_PLUGIN_EXPORT(hdf5_entry)
MLRUN_FORMAT_FACTS("hdf5", "1.0.0", "Keras HDF5 whole models and weights (.h5, .hdf5) and Keras 3 .keras and .weights.h5", ".h5;.hdf5;.keras", 0u)
