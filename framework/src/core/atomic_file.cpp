#include "mlrun/core/atomic_file.hpp"

#include "mlrun/core/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mlrun {
namespace {

// Pieces this large go straight to write(); smaller ones are gathered.
constexpr std::size_t buffer_capacity = 1 << 20;

}  // namespace

std::string unique_temporary_name(const std::string& path)
{
    static std::atomic<unsigned long> counter{0};
    return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void sync_parent_directory(const std::string& path)
{
    const std::size_t slash = path.rfind('/');
    const std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

atomic_output::atomic_output(std::string path) : path_(std::move(path)), temporary_(unique_temporary_name(path_))
{
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw io_error(path_ + ": cannot be written: cannot create " + temporary_ + ": " + std::strerror(errno));
    }
}

atomic_output::~atomic_output()
{
    if (!committed_) discard();
}

void atomic_output::discard() noexcept
{
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(temporary_.c_str());
}

void atomic_output::fail(const std::string& what, int error_number)
{
    discard();
    throw io_error(path_ + ": cannot be written (the previous file, if any, is unchanged): " + what + ": " +
                   std::strerror(error_number));
}

void atomic_output::write_out(const char* data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd_, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("writing " + temporary_ + " failed", errno);
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void atomic_output::write(const void* data, std::size_t size)
{
    if (fd_ < 0) throw io_error(path_ + ": written after it was finished");
    const char* bytes = static_cast<const char*>(data);
    if (buffer_.size() + size > buffer_capacity) {
        write_out(buffer_.data(), buffer_.size());
        buffer_.clear();
    }
    if (size >= buffer_capacity) {
        write_out(bytes, size);
        return;
    }
    buffer_.append(bytes, size);
}

void atomic_output::finish()
{
    if (finished_) return;
    write_out(buffer_.data(), buffer_.size());
    buffer_.clear();
    buffer_.shrink_to_fit();
    if (::fsync(fd_) != 0) fail("syncing " + temporary_ + " failed", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("closing " + temporary_ + " failed", errno);
    finished_ = true;
}

void atomic_output::commit()
{
    finish();
    if (::rename(temporary_.c_str(), path_.c_str()) != 0) fail("renaming " + temporary_ + " over it failed", errno);
    committed_ = true;
    sync_parent_directory(path_);
}

void write_file_atomically(const std::string& path, std::string_view contents)
{
    atomic_output out(path);
    out.write(contents.data(), contents.size());
    out.commit();
}

}  // namespace mlrun
