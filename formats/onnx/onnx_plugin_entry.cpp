// The format plugin "onnx": exports a model (architecture and weights) as
// an ONNX model for ONNX runtimes, behind mlrun_format.h. Export-only:
// reading a file serves `mlrun inspect`, never loading a model back.
//
// Saving stages tensors and metadata in memory; commit builds the graph,
// checks it and writes the file (docs/onnx.md).
#include "model_export.hpp"
#include "onnx_error.hpp"
#include "onnx_file.hpp"
#include "onnx_inspect.hpp"
#include "staged_export.hpp"

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/plugin/plugin_author.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

using mlrun::plugin_author::copy_message;
using mlrun::plugin_author::element_size;
using mlrun::plugin_author::guarded;
using mlrun::plugin_author::parse_flag;
namespace of = mlrun::onnx_format;

struct mlrun_format_writer {
    std::string path;
    bool dry_run = false;  // build and check the model, write nothing
    of::staged_export model;
    std::string error;
};

struct mlrun_format_reader {
    of::inspected_model contents;
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
        for (size_t i = 0; i < option_count; ++i) {
            const std::string key = options[i].key != nullptr ? options[i].key : "";
            const std::string value = options[i].value != nullptr ? options[i].value : "";
            if (key == "source") {
                writer->model.source = value;
            } else if (key == "dry_run") {
                writer->dry_run = parse_flag(key, value);
            } else if (key == "weights_only") {
                parse_flag(key, value);  // the graph needs the architecture and weights either way
            } else {
                throw of::format_error("unknown option '" + key + "'; the onnx format knows: source, dry_run, weights_only");
            }
        }
        *out = writer.release();
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status;
}

mlrun_status save_tensor(mlrun_format_writer* writer, const mlrun_tensor_view* view)
{
    return guarded(writer->error, [&] {
        const std::string name = view->name != nullptr ? view->name : "";
        // Optimizer state and string tensors have no place in an inference graph.
        if (view->dtype == MLRUN_DTYPE_STRING || name.rfind("optimizer/", 0) == 0) return MLRUN_STATUS_OK;
        const size_t size = element_size(view->dtype);
        if (size == 0) throw of::format_error("tensor '" + name + "': unknown dtype " + std::to_string(view->dtype));
        if (view->rank < 0 || (view->rank > 0 && view->dims == nullptr)) {
            throw of::format_error("tensor '" + name + "': bad rank " + std::to_string(view->rank));
        }
        of::staged_tensor t;
        t.name = name;
        t.dtype = static_cast<mlrun_dtype>(view->dtype);
        t.dims.assign(view->dims, view->dims + view->rank);
        uint64_t count = 1;
        for (const int64_t d : t.dims) {
            if (d < 0) throw of::format_error("tensor '" + name + "': negative size in its shape");
            count *= static_cast<uint64_t>(d);
        }
        if (count * size != view->byte_size) {
            throw of::format_error("tensor '" + name + "': " + std::to_string(view->byte_size) +
                                   " bytes do not match its shape");
        }
        const auto* bytes = static_cast<const unsigned char*>(view->data);
        t.bytes.assign(bytes, bytes + view->byte_size);
        writer->model.tensors.push_back(std::move(t));
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_metadata(mlrun_format_writer* writer, const char* key, const char* value)
{
    return guarded(writer->error, [&] {
        writer->model.metadata.emplace_back(key != nullptr ? key : "", value != nullptr ? value : "");
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_commit(mlrun_format_writer* writer, char* error, size_t error_size)
{
    std::unique_ptr<mlrun_format_writer> owned(writer);
    std::string message;
    const mlrun_status status = guarded(message, [&] {
        const onnx::ModelProto model = of::export_model(owned->model);
        if (!owned->dry_run) of::write_model_file(owned->path, model);
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status == MLRUN_STATUS_INTERNAL ? MLRUN_STATUS_IO_ERROR : status;
}

void save_abort(mlrun_format_writer* writer) { delete writer; }

const char* writer_error(mlrun_format_writer* writer) { return writer->error.c_str(); }

mlrun_status open(const char* path, const mlrun_option*, size_t option_count, mlrun_format_reader** out,
                  char* error, size_t error_size)
{
    std::string message;
    const mlrun_status status = guarded(message, [&] {
        if (option_count != 0) throw of::format_error("the onnx format takes no options for reading");
        auto reader = std::make_unique<mlrun_format_reader>();
        reader->contents = of::inspect_model(of::read_model_file(path), path);
        *out = reader.release();
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status == MLRUN_STATUS_INTERNAL ? MLRUN_STATUS_IO_ERROR : status;
}

int64_t tensor_count(mlrun_format_reader* reader)
{
    return static_cast<int64_t>(reader->contents.initializers.size());
}

const of::staged_tensor& tensor_at(mlrun_format_reader* reader, int64_t index)
{
    if (index < 0 || static_cast<size_t>(index) >= reader->contents.initializers.size()) {
        throw of::format_error("no tensor #" + std::to_string(index));
    }
    return reader->contents.initializers[static_cast<size_t>(index)];
}

mlrun_status tensor_info(mlrun_format_reader* reader, int64_t index, mlrun_tensor_view* out)
{
    return guarded(reader->error, [&] {
        const of::staged_tensor& t = tensor_at(reader, index);
        *out = mlrun_tensor_view{t.name.c_str(), t.dtype, static_cast<int32_t>(t.dims.size()), t.dims.data(),
                                 nullptr, t.bytes.size(), nullptr};
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_tensor(mlrun_format_reader* reader, int64_t index, void* dst, uint64_t dst_size)
{
    return guarded(reader->error, [&] {
        const of::staged_tensor& t = tensor_at(reader, index);
        if (dst_size != t.bytes.size()) {
            throw of::format_error("tensor '" + t.name + "' has " + std::to_string(t.bytes.size()) +
                                   " bytes, the caller offers " + std::to_string(dst_size));
        }
        if (!t.bytes.empty()) std::memcpy(dst, t.bytes.data(), t.bytes.size());
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_strings(mlrun_format_reader* reader, int64_t index, mlrun_string_sink, void*)
{
    return guarded(reader->error, [&] {
        throw of::format_error("tensor '" + tensor_at(reader, index).name + "' is numeric");
        return MLRUN_STATUS_OK;
    });
}

int64_t metadata_count(mlrun_format_reader* reader) { return static_cast<int64_t>(reader->contents.metadata.size()); }

mlrun_status metadata_entry(mlrun_format_reader* reader, int64_t index, const char** key, const char** value)
{
    return guarded(reader->error, [&] {
        mlrun::plugin_author::metadata_entry_at(reader->contents.metadata, index, key, value);
        return MLRUN_STATUS_OK;
    });
}

void close(mlrun_format_reader* reader) { delete reader; }

const char* reader_error(mlrun_format_reader* reader) { return reader->error.c_str(); }

const mlrun_format_table table = [] {
    mlrun_format_table t{};
    t.struct_size = sizeof(mlrun_format_table);
    t.suffixes = ".onnx";
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
    t.flags = MLRUN_FORMAT_EXPORT_ONLY;
    return t;
}();

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor),
    MLRUN_ABI_MAJOR,
    MLRUN_ABI_MINOR,
    MLRUN_PLUGIN_FORMAT,
    "onnx",
    "1.0.0",
    "exports models as ONNX (.onnx, opset 17) for ONNX runtimes; export-only, inspect reads the graph",
    &table,
};

const mlrun_plugin_descriptor* onnx_entry(const mlrun_host_info* host)
{
    return mlrun::plugin_author::descriptor_for(host, descriptor);
}

}  // namespace

MLRUN_PLUGIN_EXPORT(onnx_entry)
MLRUN_FORMAT_FACTS("onnx", "1.0.0", "exports models as ONNX (.onnx, opset 17) for ONNX runtimes; export-only, inspect reads the graph", ".onnx", MLRUN_FORMAT_EXPORT_ONLY)
