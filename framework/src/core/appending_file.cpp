#include "mlrun/core/appending_file.hpp"

#include "mlrun/core/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mlrun {

appending_file::appending_file(std::string path, opening how) : path_(std::move(path))
{
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (how == opening::create_new ? O_EXCL : 0);
    fd_ = ::open(path_.c_str(), flags, 0644);
    if (fd_ < 0) throw io_error(path_ + ": cannot open for writing: " + std::strerror(errno));
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
        const int error_number = errno;
        ::close(fd_);
        throw io_error(path_ + ": cannot read its size: " + std::strerror(error_number));
    }
    end_ = info.st_size;
}

appending_file::~appending_file()
{
    if (fd_ >= 0) ::close(fd_);
}

void appending_file::append(std::string_view entry)
{
    std::size_t written = 0;
    int failure = 0;
    while (written < entry.size() && failure == 0) {
        const ssize_t n = ::pwrite(fd_, entry.data() + written, entry.size() - written,
                                   end_ + static_cast<off_t>(written));
        if (n < 0 && errno != EINTR) failure = errno;
        if (n > 0) written += static_cast<std::size_t>(n);
    }
    if (failure == 0 && ::fdatasync(fd_) != 0) failure = errno;
    if (failure != 0) {
        // Whatever part of the entry got there goes again: the file ends
        // with the last whole entry.
        if (::ftruncate(fd_, end_) == 0) ::fdatasync(fd_);
        throw io_error(path_ + ": cannot add to it (its earlier contents are kept): " + std::strerror(failure));
    }
    end_ += static_cast<off_t>(entry.size());
}

}  // namespace mlrun
