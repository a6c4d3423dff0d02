#include "mlrun/checkpoint/directory_lock.hpp"

#include "mlrun/core/error.hpp"

#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

std::string holder_of(int fd)
{
    char text[32] = {};
    const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
    std::string pid = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid.empty() ? "unknown" : pid;
}

}  // namespace

directory_lock::directory_lock(const std::string& directory)
{
    boost::system::error_code ignored;
    fs::create_directories(directory, ignored);
    const std::string file = (fs::path(directory) / directory_lock_file).string();
    // O_CLOEXEC: a child such as gnuplot must not keep the lock alive.
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int reason = errno;
        const std::string holder = holder_of(fd);
        ::close(fd);
        if (reason != EWOULDBLOCK) return;  // a file system without flock: run unlocked, as before
        throw io_error(directory + ": the checkpoint directory is in use by another run (PID " + holder + ", lock " +
                       file + "); two runs saving into one directory overwrite each other's checkpoints: wait for "
                       "that run to end or give this one another checkpoint.path");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The PID is for the message of a run that waits; the lock holds without it.
    }
    fd_ = fd;
}

directory_lock::~directory_lock()
{
    if (fd_ >= 0) ::close(fd_);  // drops the flock; the file stays for the next run
}

}  // namespace mlrun
