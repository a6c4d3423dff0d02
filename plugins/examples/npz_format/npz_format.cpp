// A format plugin that writes checkpoints as NumPy .npz archives: one .npy
// array per tensor ("dense/kernel.npy"), metadata as uint8 arrays under
// "__metadata__/", so `numpy.load("w.npz")["dense/kernel"]` opens mlrun
// weights. Saving builds the archive in memory and renames it into place,
// so a failed save never damages an existing file.
#include "npy.hpp"
#include "zip_archive.hpp"

#include <mlrun/abi/mlrun_format.h>
#include <mlrun/plugin/plugin_author.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string metadata_prefix = "__metadata__/";
const std::string npy_suffix = ".npy";

void set_error(char* error, std::size_t size, const std::string& message)
{
    if (size > 0) std::snprintf(error, size, "%s", message.c_str());
}

struct writer {
    std::string path;
    npz::zip_writer zip;
    std::string error;
};

struct reader {
    std::vector<npz::npy_array> arrays;
    std::vector<std::string> names;
    std::vector<std::pair<std::string, std::string>> metadata;
    std::string error;
};

writer* as_writer(mlrun_format_writer* w) { return reinterpret_cast<writer*>(w); }
reader* as_reader(mlrun_format_reader* r) { return reinterpret_cast<reader*>(r); }

// Writes `bytes` to `path` through a temporary file, flushed before the rename.
void write_atomically(const std::string& path, const std::string& bytes)
{
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw std::runtime_error("cannot create " + temporary + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(temporary.c_str());
            throw std::runtime_error("cannot write " + temporary + ": " + why);
        }
        done += static_cast<std::size_t>(n);
    }
    const bool flushed = ::fsync(fd) == 0;
    ::close(fd);
    if (!flushed || std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(temporary.c_str());
        throw std::runtime_error("cannot move " + temporary + " to " + path + ": " + why);
    }
}

mlrun_status save_begin(const char* path, const mlrun_option*, size_t, mlrun_format_writer** out, char*, size_t)
{
    *out = reinterpret_cast<mlrun_format_writer*>(new writer{path, {}, {}});
    return MLRUN_STATUS_OK;
}

mlrun_status save_tensor(mlrun_format_writer* w, const mlrun_tensor_view* t)
{
    return mlrun::plugin_author::guarded(as_writer(w)->error, [&] {
        as_writer(w)->zip.add(t->name + npy_suffix, npz::encode_npy(t->dtype, t->dims, t->rank, t->data, t->byte_size));
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_metadata(mlrun_format_writer* w, const char* key, const char* value)
{
    return mlrun::plugin_author::guarded(as_writer(w)->error, [&] {
        const int64_t size = static_cast<int64_t>(std::strlen(value));
        as_writer(w)->zip.add(metadata_prefix + key + npy_suffix,
                              npz::encode_npy(MLRUN_DTYPE_UINT8, &size, 1, value, static_cast<uint64_t>(size)));
        return MLRUN_STATUS_OK;
    });
}

mlrun_status save_commit(mlrun_format_writer* w, char* error, size_t error_size)
{
    writer* self = as_writer(w);
    std::string message;
    const mlrun_status status = mlrun::plugin_author::guarded(message, [&] {
        write_atomically(self->path, self->zip.finish());
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) set_error(error, error_size, message);
    delete self;
    return status;
}

void save_abort(mlrun_format_writer* w) { delete as_writer(w); }

const char* writer_error(mlrun_format_writer* w) { return as_writer(w)->error.c_str(); }

mlrun_status open(const char* path, const mlrun_option*, size_t, mlrun_format_reader** out, char* error,
                  size_t error_size)
{
    auto* self = new reader();
    std::string message;
    const mlrun_status status = mlrun::plugin_author::guarded(message, [&] {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error(std::string("cannot open: ") + std::strerror(errno));
        std::stringstream bytes;
        bytes << in.rdbuf();
        for (auto& [name, data] : npz::read_zip(bytes.str())) {
            if (name.size() <= npy_suffix.size() || name.compare(name.size() - npy_suffix.size(), npy_suffix.size(), npy_suffix) != 0) {
                throw std::runtime_error(name + ": not a .npy entry");
            }
            const std::string key = name.substr(0, name.size() - npy_suffix.size());
            npz::npy_array array;
            try {
                array = npz::decode_npy(data);
            } catch (const std::exception& e) {
                throw std::runtime_error(name + ": " + e.what());
            }
            if (key.compare(0, metadata_prefix.size(), metadata_prefix) == 0) {
                self->metadata.emplace_back(key.substr(metadata_prefix.size()), array.bytes);
            } else {
                self->names.push_back(key);
                self->arrays.push_back(std::move(array));
            }
        }
        return MLRUN_STATUS_OK;
    });
    if (status != MLRUN_STATUS_OK) {
        set_error(error, error_size, message);
        delete self;
        return status;
    }
    *out = reinterpret_cast<mlrun_format_reader*>(self);
    return MLRUN_STATUS_OK;
}

int64_t tensor_count(mlrun_format_reader* r) { return static_cast<int64_t>(as_reader(r)->arrays.size()); }

mlrun_status tensor_info(mlrun_format_reader* r, int64_t index, mlrun_tensor_view* out)
{
    reader* self = as_reader(r);
    if (index < 0 || index >= tensor_count(r)) {
        self->error = "tensor index out of range";
        return MLRUN_STATUS_INVALID_ARGUMENT;
    }
    const npz::npy_array& a = self->arrays[static_cast<std::size_t>(index)];
    *out = {self->names[static_cast<std::size_t>(index)].c_str(), a.dtype, static_cast<int32_t>(a.dims.size()),
            a.dims.data(), nullptr, a.bytes.size(), nullptr};
    return MLRUN_STATUS_OK;
}

mlrun_status read_tensor(mlrun_format_reader* r, int64_t index, void* dst, uint64_t dst_size)
{
    reader* self = as_reader(r);
    if (index < 0 || index >= tensor_count(r) || self->arrays[static_cast<std::size_t>(index)].bytes.size() != dst_size) {
        self->error = "tensor index or buffer size does not match";
        return MLRUN_STATUS_INVALID_ARGUMENT;
    }
    std::memcpy(dst, self->arrays[static_cast<std::size_t>(index)].bytes.data(), dst_size);
    return MLRUN_STATUS_OK;
}

mlrun_status read_strings(mlrun_format_reader* r, int64_t, mlrun_string_sink, void*)
{
    as_reader(r)->error = "this format holds no string tensors";
    return MLRUN_STATUS_INVALID_ARGUMENT;
}

int64_t metadata_count(mlrun_format_reader* r) { return static_cast<int64_t>(as_reader(r)->metadata.size()); }

mlrun_status metadata_entry(mlrun_format_reader* r, int64_t index, const char** key, const char** value)
{
    reader* self = as_reader(r);
    if (index < 0 || index >= metadata_count(r)) {
        self->error = "metadata index out of range";
        return MLRUN_STATUS_INVALID_ARGUMENT;
    }
    *key = self->metadata[static_cast<std::size_t>(index)].first.c_str();
    *value = self->metadata[static_cast<std::size_t>(index)].second.c_str();
    return MLRUN_STATUS_OK;
}

void close(mlrun_format_reader* r) { delete as_reader(r); }

const char* reader_error(mlrun_format_reader* r) { return as_reader(r)->error.c_str(); }

const mlrun_format_table table = {
    sizeof(mlrun_format_table),
    ".npz",
    save_begin,
    save_tensor,
    save_metadata,
    save_commit,
    save_abort,
    writer_error,
    open,
    tensor_count,
    tensor_info,
    read_tensor,
    read_strings,
    metadata_count,
    metadata_entry,
    close,
    reader_error,
    0,        // flags: paths are files named by their suffix
    nullptr,  // check_save_path: save_begin takes any name
};

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor), MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR, MLRUN_PLUGIN_FORMAT,
    "npz", "1.0.0", "example: NumPy .npz archives, one .npy per tensor", &table,
};

const mlrun_plugin_descriptor* entry(const mlrun_host_info* host)
{
    return host != nullptr && host->abi_major == MLRUN_ABI_MAJOR ? &descriptor : nullptr;
}

}  // namespace

MLRUN_PLUGIN_EXPORT(entry)
MLRUN_FORMAT_FACTS("npz", "1.0.0", "example: NumPy .npz archives, one .npy per tensor", ".npz", 0u)
