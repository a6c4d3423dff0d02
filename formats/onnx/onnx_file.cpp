#include "onnx_file.hpp"

#include "onnx_error.hpp"

#include <onnx/checker.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace mlrun::onnx_format {
namespace {

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, const std::string& bytes, const std::string& temporary)
{
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw format_error("writing " + temporary + " failed: " + (n < 0 ? errno_text() : "no progress"));
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) throw format_error("syncing " + temporary + " failed: " + errno_text());
}

}  // namespace

void write_model_file(const std::string& path, const onnx::ModelProto& model)
{
    std::string bytes;
    if (!model.SerializeToString(&bytes)) {
        throw format_error(path + ": the model cannot be serialised (over protobuf's 2 GiB limit?)");
    }
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw format_error(path + ": cannot create " + temporary + ": " + errno_text());
    try {
        write_all(fd, bytes, temporary);
        if (::close(fd) != 0) throw format_error("closing " + temporary + " failed: " + errno_text());
    } catch (const format_error& e) {
        ::close(fd);
        std::remove(temporary.c_str());
        throw format_error(path + ": " + e.what());
    }
    try {
        onnx::checker::check_model(temporary);  // the bytes as written, read back by the checker
    } catch (const std::exception& e) {
        std::remove(temporary.c_str());
        throw format_error(path + ": the ONNX checker refuses the written file: " + e.what());
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = errno_text();
        std::remove(temporary.c_str());
        throw format_error(path + ": cannot rename " + temporary + " into place: " + reason);
    }
}

onnx::ModelProto read_model_file(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw format_error(path + ": cannot open: " + errno_text());
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw format_error(path + ": not a regular file");
    }
    if (info.st_size > std::numeric_limits<int>::max()) {
        ::close(fd);
        throw format_error(path + ": " + std::to_string(info.st_size) +
                           " bytes, over the 2 GiB a single ONNX protobuf can hold");
    }
    std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            throw format_error(path + ": reading failed after " + std::to_string(done) + " bytes");
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes)) throw format_error(path + ": not an ONNX model (the ModelProto does not parse)");
    if (!model.has_graph()) throw format_error(path + ": an ONNX model without a graph");
    return model;
}

}  // namespace mlrun::onnx_format
