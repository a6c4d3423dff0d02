// A format plugin that writes checkpoints as NumPy .npz archives: one .npy
// array per tensor ("dense/kernel.npy"), metadata as uint8 arrays under
// "__metadata__/", so `numpy.load("w.npz")["dense/kernel"]` opens mlrun
// weights. Saving builds the archive in memory and renames it into place,
// so a failed save never damages an existing file.
#include "npy.hpp"
#include "zip_archive.hpp"

#include <mlrun/plugin/format_plugin.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace pa = mlrun::plugin_author;

const std::string metadata_prefix = "__metadata__/";
const std::string npy_suffix = ".npy";

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

class npz_writer : public pa::format_writer {
public:
    explicit npz_writer(std::string path) : path_(std::move(path)) {}

    void tensor(const mlrun_tensor_view& t) override
    {
        zip_.add(pa::tensor_name(t) + npy_suffix, npz::encode_npy(t.dtype, t.dims, t.rank, t.data, t.byte_size));
    }

    void metadata(const std::string& key, const std::string& value) override
    {
        const int64_t size = static_cast<int64_t>(value.size());
        zip_.add(metadata_prefix + key + npy_suffix,
                 npz::encode_npy(MLRUN_DTYPE_UINT8, &size, 1, value.data(), static_cast<uint64_t>(size)));
    }

    void commit() override { write_atomically(path_, zip_.finish()); }

private:
    std::string path_;
    npz::zip_writer zip_;
};

// One array of the archive under its name.
struct named_array {
    std::string name;
    int32_t dtype = 0;
    std::vector<int64_t> dims;
    std::string bytes;
};

struct npz_format {
    static std::unique_ptr<pa::format_writer> save_begin(const std::string& path, const pa::option_list&)
    {
        return std::make_unique<npz_writer>(path);
    }

    static std::unique_ptr<pa::format_reader> open(const std::string& path, const pa::option_list&)
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error(std::string("cannot open: ") + std::strerror(errno));
        std::stringstream bytes;
        bytes << in.rdbuf();
        std::vector<named_array> arrays;
        pa::metadata_list metadata;
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
                metadata.emplace_back(key.substr(metadata_prefix.size()), array.bytes);
            } else {
                arrays.push_back({key, array.dtype, std::move(array.dims), std::move(array.bytes)});
            }
        }
        return std::make_unique<pa::memory_reader<named_array>>(std::move(arrays), std::move(metadata));
    }
};

}  // namespace

MLRUN_FORMAT_PLUGIN(npz_format, "npz", "1.0.0", "example: NumPy .npz archives, one .npy per tensor", ".npz", 0u)
