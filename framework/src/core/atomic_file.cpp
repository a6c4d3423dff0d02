#include "mlrun/core/atomic_file.hpp"

#include "mlrun/core/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mlrun {

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

void rename_into_place(const std::string& temporary, const std::string& path)
{
    int failure = 0;
    const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) failure = errno;
    if (fd >= 0 && ::fsync(fd) != 0) failure = errno;
    if (fd >= 0) ::close(fd);
    if (failure == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) failure = errno;
    if (failure != 0) {
        ::unlink(temporary.c_str());
        throw io_error(path + ": cannot be written (the previous file, if any, is unchanged): " + std::strerror(failure));
    }
    sync_parent_directory(path);
}

void write_file_atomically(const std::string& path, const std::string& contents)
{
    const std::string temporary = unique_temporary_name(path);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw io_error(path + ": cannot be written: cannot create " + temporary + ": " + std::strerror(errno));
    std::size_t written = 0;
    int failure = 0;
    while (written < contents.size() && failure == 0) {
        const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0 && errno != EINTR) failure = errno;
        if (n > 0) written += static_cast<std::size_t>(n);
    }
    if (failure == 0 && ::fsync(fd) != 0) failure = errno;
    if (::close(fd) != 0 && failure == 0) failure = errno;
    if (failure != 0) {
        ::unlink(temporary.c_str());
        throw io_error(path + ": cannot be written (the previous file, if any, is unchanged): " + std::strerror(failure));
    }
    rename_into_place(temporary, path);
}

}  // namespace mlrun
