// The format plugin "tfjs": TensorFlow.js Layers models (model.json and its
// binary weight shards in one directory), written and read behind
// mlrun_format.h (docs/tfjs.md).
//
// Saving stages the checkpoint in memory; commit translates it and writes
// the directory's files as one transaction.
#include "model_directory.hpp"
#include "tfjs_model.hpp"

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/interop/keras/format_error.hpp"
#include "mlrun/plugin/plugin_author.hpp"

#include <cstring>
#include <memory>

using mlrun::plugin_author::copy_message;
using mlrun::plugin_author::element_size;
using mlrun::plugin_author::guarded;
using mlrun::plugin_author::parse_flag;
namespace tfjs = mlrun::tfjs;
using mlrun::keras::format_error;

struct mlrun_format_writer {
    std::string path;
    bool dry_run = false;  // translate and check the model, write nothing
    tfjs::export_options exporting;
    tfjs::write_options writing;
    tfjs::staged_checkpoint model;
    std::string error;
};

struct mlrun_format_reader {
    tfjs::staged_checkpoint contents;
    std::string error;
};

namespace {

std::uint64_t parse_size(const std::string& key, const std::string& value)
{
    std::size_t used = 0;
    unsigned long long bytes = 0;
    try {
        bytes = std::stoull(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size() || bytes == 0 || value[0] == '-') {
        throw format_error("option " + key + ": expected a number of bytes above 0 (4194304 for 4 MiB), found '" +
                           value + "'");
    }
    return bytes;
}

mlrun_status check_save_path(const char* path, char* error, size_t error_size)
{
    const std::string p = path != nullptr ? path : "";
    const bool directory = !p.empty() && p.back() == '/';
    const bool json = p.size() > 5 && p.compare(p.size() - 5, 5, ".json") == 0;
    if (directory || json) return MLRUN_STATUS_OK;
    copy_message("a TF.js model is a directory (web_model/) or its model.json", error, error_size);
    return MLRUN_STATUS_INVALID_ARGUMENT;
}

mlrun_status save_begin(const char* path, const mlrun_option* options, size_t option_count,
                        mlrun_format_writer** out, char* error, size_t error_size)
{
    std::string message;
    const mlrun_status status = guarded(message, [&] {
        auto writer = std::make_unique<mlrun_format_writer>();
        writer->path = tfjs::model_json_path(path);
        for (size_t i = 0; i < option_count; ++i) {
            const std::string key = options[i].key != nullptr ? options[i].key : "";
            const std::string value = options[i].value != nullptr ? options[i].value : "";
            if (key == "dry_run") writer->dry_run = parse_flag(key, value);
            else if (key == "weights_only") writer->exporting.weights_only = parse_flag(key, value);
            else if (key == "quantize") writer->exporting.quantize = tfjs::parse_quantization(value);
            else if (key == "shard_size") writer->writing.shard_bytes = parse_size(key, value);
            else if (key == "overwrite") writer->writing.overwrite = parse_flag(key, value);
            else if (key == "source") continue;  // TF.js has no place for it
            else throw format_error("unknown option '" + key + "'; the tfjs format knows: quantize, shard_size, overwrite, weights_only, dry_run");
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
        if (view->dtype == MLRUN_DTYPE_STRING) throw format_error("tensor '" + name + "': TF.js weights hold no strings");
        const size_t size = element_size(view->dtype);
        if (size == 0) throw format_error("tensor '" + name + "': unknown dtype " + std::to_string(view->dtype));
        if (view->rank < 0 || (view->rank > 0 && view->dims == nullptr)) {
            throw format_error("tensor '" + name + "': bad rank " + std::to_string(view->rank));
        }
        tfjs::staged_tensor t;
        t.name = name;
        t.dtype = static_cast<mlrun_dtype>(view->dtype);
        t.dims.assign(view->dims, view->dims + view->rank);
        uint64_t count = 1;
        for (const int64_t d : t.dims) {
            if (d < 0) throw format_error("tensor '" + name + "': negative size in its shape");
            count *= static_cast<uint64_t>(d);
        }
        if (count * size != view->byte_size) {
            throw format_error("tensor '" + name + "': " + std::to_string(view->byte_size) + " bytes do not match its shape");
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
        writer->model.set_meta(key != nullptr ? key : "", value != nullptr ? value : "");
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_commit(mlrun_format_writer* writer, char* error, size_t error_size)
{
    std::unique_ptr<mlrun_format_writer> owned(writer);
    std::string message;
    const mlrun_status status = guarded(message, [&] {
        tfjs::exported_model exported = tfjs::export_model(owned->model, owned->exporting);
        const std::string* version = owned->model.meta("mlrun_version");
        owned->writing.writer = "mlrun" + (version != nullptr ? " " + *version : std::string());
        if (owned->dry_run) {
            if (const std::string problem = tfjs::foreign_model_problem(owned->path, owned->writing); !problem.empty()) {
                throw format_error(problem);
            }
            return MLRUN_STATUS_OK;
        }
        tfjs::write_model_files(owned->path, std::move(exported.artifacts), exported.group_bytes, owned->writing);
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
        if (option_count != 0) throw format_error("the tfjs format takes no options for reading");
        auto reader = std::make_unique<mlrun_format_reader>();
        const std::string json_path = tfjs::model_json_path(path);
        reader->contents = tfjs::import_model(tfjs::read_model_files(json_path), json_path);
        *out = reader.release();
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status == MLRUN_STATUS_INTERNAL ? MLRUN_STATUS_IO_ERROR : status;
}

int64_t tensor_count(mlrun_format_reader* reader) { return static_cast<int64_t>(reader->contents.tensors.size()); }

const tfjs::staged_tensor& tensor_at(mlrun_format_reader* reader, int64_t index)
{
    if (index < 0 || static_cast<size_t>(index) >= reader->contents.tensors.size()) {
        throw format_error("no tensor #" + std::to_string(index));
    }
    return reader->contents.tensors[static_cast<size_t>(index)];
}

mlrun_status tensor_info(mlrun_format_reader* reader, int64_t index, mlrun_tensor_view* out)
{
    return guarded(reader->error, [&] {
        const tfjs::staged_tensor& t = tensor_at(reader, index);
        *out = mlrun_tensor_view{t.name.c_str(), t.dtype, static_cast<int32_t>(t.dims.size()), t.dims.data(),
                                 nullptr, t.bytes.size(), nullptr};
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_tensor(mlrun_format_reader* reader, int64_t index, void* dst, uint64_t dst_size)
{
    return guarded(reader->error, [&] {
        const tfjs::staged_tensor& t = tensor_at(reader, index);
        if (dst_size != t.bytes.size()) {
            throw format_error("tensor '" + t.name + "' has " + std::to_string(t.bytes.size()) +
                               " bytes, the caller offers " + std::to_string(dst_size));
        }
        if (!t.bytes.empty()) std::memcpy(dst, t.bytes.data(), t.bytes.size());
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_strings(mlrun_format_reader* reader, int64_t index, mlrun_string_sink, void*)
{
    return guarded(reader->error, [&] {
        throw format_error("tensor '" + tensor_at(reader, index).name + "' is numeric");
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
    t.suffixes = ".json";
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
    t.flags = MLRUN_FORMAT_DIRECTORY_PATHS | MLRUN_FORMAT_CHECKS_MODEL;
    t.check_save_path = check_save_path;
    return t;
}();

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor),
    MLRUN_ABI_MAJOR,
    MLRUN_ABI_MINOR,
    MLRUN_PLUGIN_FORMAT,
    "tfjs",
    "1.0.0",
    "TensorFlow.js Layers models: a directory of model.json and weight shards (web_model/)",
    &table,
};

const mlrun_plugin_descriptor* tfjs_entry(const mlrun_host_info* host)
{
    return mlrun::plugin_author::descriptor_for(host, descriptor);
}

}  // namespace

MLRUN_PLUGIN_EXPORT(tfjs_entry)
MLRUN_FORMAT_FACTS("tfjs", "1.0.0", "TensorFlow.js Layers models: a directory of model.json and weight shards (web_model/)", ".json", MLRUN_FORMAT_DIRECTORY_PATHS | MLRUN_FORMAT_CHECKS_MODEL)
