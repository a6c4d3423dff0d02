// The format plugin "yaml": checkpoints and architectures as YAML behind
// mlrun_format.h.
//
// Saving stages the tensors and metadata in memory and writes the file on
// commit (to a temporary name, renamed into place); opening reads and
// checks the whole file up front, so later calls cannot fail half-way.
#include "yaml_file.hpp"

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/plugin/plugin_author.hpp"

#include <cstring>

using mlrun::plugin_author::copy_message;
using mlrun::plugin_author::element_size;
using mlrun::plugin_author::guarded;
using mlrun::plugin_author::parse_flag;
namespace yf = mlrun::yaml_format;

struct mlrun_format_writer {
    std::string path;
    yf::staged_file ckpt;
    std::string error;
};

struct mlrun_format_reader {
    yf::staged_file ckpt;
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
            // weights_only: what the host passes already says it; only the value is checked.
            if (key != "weights_only") {
                throw yf::format_error("unknown option '" + key + "'; the yaml format knows: weights_only");
            }
            parse_flag(key, value);
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
        const size_t size = element_size(view->dtype);
        if (size == 0 && view->dtype != MLRUN_DTYPE_STRING) {
            throw yf::format_error("tensor '" + name + "': unknown dtype " + std::to_string(view->dtype));
        }
        if (view->rank < 0 || (view->rank > 0 && view->dims == nullptr)) {
            throw yf::format_error("tensor '" + name + "': bad rank " + std::to_string(view->rank));
        }
        yf::staged_tensor t;
        t.name = name;
        t.dtype = static_cast<mlrun_dtype>(view->dtype);
        t.dims.assign(view->dims, view->dims + view->rank);
        for (const int64_t d : t.dims) {
            if (d < 0) throw yf::format_error("tensor '" + name + "': negative size in its shape");
        }
        if (t.dtype == MLRUN_DTYPE_STRING) {
            const auto* strings = static_cast<const char* const*>(view->data);
            for (int64_t i = 0; i < t.element_count(); ++i) {
                t.strings.emplace_back(strings[i], view->string_lengths[i]);
            }
        } else {
            if (static_cast<uint64_t>(t.element_count()) * size != view->byte_size) {
                throw yf::format_error("tensor '" + name + "': " + std::to_string(view->byte_size) +
                                       " bytes do not match its shape");
            }
            const auto* bytes = static_cast<const unsigned char*>(view->data);
            t.bytes.assign(bytes, bytes + view->byte_size);
        }
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
        yf::write_file(owned->path, owned->ckpt);
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
        if (option_count != 0) throw yf::format_error("the yaml format takes no options for reading");
        auto reader = std::make_unique<mlrun_format_reader>();
        reader->ckpt = yf::read_file(path);
        *out = reader.release();
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status == MLRUN_STATUS_INTERNAL ? MLRUN_STATUS_IO_ERROR : status;
}

int64_t tensor_count(mlrun_format_reader* reader) { return static_cast<int64_t>(reader->ckpt.tensors.size()); }

const yf::staged_tensor* tensor_at(mlrun_format_reader* reader, int64_t index)
{
    if (index < 0 || static_cast<size_t>(index) >= reader->ckpt.tensors.size()) {
        throw yf::format_error("no tensor #" + std::to_string(index));
    }
    return &reader->ckpt.tensors[static_cast<size_t>(index)];
}

mlrun_status tensor_info(mlrun_format_reader* reader, int64_t index, mlrun_tensor_view* out)
{
    return guarded(reader->error, [&] {
        const yf::staged_tensor* t = tensor_at(reader, index);
        *out = mlrun_tensor_view{t->name.c_str(), t->dtype, static_cast<int32_t>(t->dims.size()), t->dims.data(),
                                 nullptr, t->bytes.size(), nullptr};
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_tensor(mlrun_format_reader* reader, int64_t index, void* dst, uint64_t dst_size)
{
    return guarded(reader->error, [&] {
        const yf::staged_tensor* t = tensor_at(reader, index);
        if (t->dtype == MLRUN_DTYPE_STRING) throw yf::format_error("tensor '" + t->name + "' holds strings");
        if (dst_size != t->bytes.size()) {
            throw yf::format_error("tensor '" + t->name + "' has " + std::to_string(t->bytes.size()) +
                                   " bytes, the caller offers " + std::to_string(dst_size));
        }
        if (!t->bytes.empty()) std::memcpy(dst, t->bytes.data(), t->bytes.size());
        return MLRUN_STATUS_OK;
    });
}

mlrun_status read_strings(mlrun_format_reader* reader, int64_t index, mlrun_string_sink sink, void* context)
{
    return guarded(reader->error, [&] {
        const yf::staged_tensor* t = tensor_at(reader, index);
        if (t->dtype != MLRUN_DTYPE_STRING) throw yf::format_error("tensor '" + t->name + "' is numeric");
        for (size_t i = 0; i < t->strings.size(); ++i) {
            sink(context, static_cast<int64_t>(i), t->strings[i].data(), t->strings[i].size());
        }
        return MLRUN_STATUS_OK;
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
    t.suffixes = ".yaml;.yml";
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
    "yaml",
    "1.0.0",
    "architecture, compile settings and tensors as YAML (.yaml, .yml); values round-trip exactly",
    &table,
};

const mlrun_plugin_descriptor* yaml_entry(const mlrun_host_info* host)
{
    return mlrun::plugin_author::descriptor_for(host, descriptor);
}

}  // namespace

MLRUN_PLUGIN_EXPORT(yaml_entry)
MLRUN_FORMAT_FACTS("yaml", "1.0.0", "architecture, compile settings and tensors as YAML (.yaml, .yml); values round-trip exactly", ".yaml;.yml", 0u)
