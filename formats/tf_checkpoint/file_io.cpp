#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mlrun::tf {
namespace {

constexpr std::size_t buffer_capacity = 1 << 20;

[[noreturn]] void fail(const std::string& path, const std::string& what, int error_number)
{
    throw std::runtime_error(path + ": " + what + ": " + std::strerror(error_number));
}

}  // namespace

output_file::output_file(std::string path) : path_(std::move(path)), buffer_(buffer_capacity)
{
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(path_, "cannot create", errno);
}

output_file::~output_file()
{
    if (fd_ >= 0) ::close(fd_);
}

void output_file::write_all(const void* data, std::size_t size)
{
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd_, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path_, "write failed", errno);
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void output_file::flush()
{
    if (used_ > 0) write_all(buffer_.data(), used_);
    used_ = 0;
}

void output_file::append(const void* data, std::size_t size)
{
    if (used_ + size > buffer_.size()) flush();
    if (size >= buffer_.size()) {
        write_all(data, size);
        return;
    }
    std::memcpy(buffer_.data() + used_, data, size);
    used_ += size;
}

void output_file::sync()
{
    flush();
    if (::fsync(fd_) != 0) fail(path_, "fsync failed", errno);
}

void output_file::close()
{
    flush();
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(path_, "close failed", errno);
}

input_file::input_file(std::string path) : path_(std::move(path))
{
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail(path_, "cannot open", errno);
    struct stat info {};
    if (::fstat(fd_, &info) != 0) fail(path_, "cannot stat", errno);
    size_ = static_cast<std::uint64_t>(info.st_size);
}

input_file::~input_file()
{
    if (fd_ >= 0) ::close(fd_);
}

void input_file::read_exact(std::uint64_t offset, void* dst, std::size_t size) const
{
    char* p = static_cast<char*>(dst);
    while (size > 0) {
        const ssize_t n = ::pread(fd_, p, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path_, "read failed", errno);
        }
        if (n == 0) {
            throw std::runtime_error(path_ + ": unexpected end of file at byte " + std::to_string(offset) +
                                     " (the file has " + std::to_string(size_) + " bytes; truncated?)");
        }
        p += n;
        offset += static_cast<std::uint64_t>(n);
        size -= static_cast<std::size_t>(n);
    }
}

std::string read_whole_file(const std::string& path)
{
    input_file in(path);
    std::string bytes(static_cast<std::size_t>(in.size()), '\0');
    in.read_exact(0, bytes.data(), bytes.size());
    return bytes;
}

bool file_exists(const std::string& path)
{
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

void write_file_synced(const std::string& path, const std::string& bytes)
{
    output_file out(path);
    out.append(bytes.data(), bytes.size());
    out.sync();
    out.close();
}

void rename_file(const std::string& from, const std::string& to)
{
    if (::rename(from.c_str(), to.c_str()) != 0) fail(to, "cannot rename " + from + " to it", errno);
}

void remove_quietly(const std::string& path) { ::unlink(path.c_str()); }

void sync_directory(const std::string& directory)
{
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail(directory, "cannot open directory to sync it", errno);
    const int result = ::fsync(fd);
    const int error_number = errno;
    ::close(fd);
    // Some file systems cannot fsync a directory; the rename itself is done.
    if (result != 0 && error_number != EINVAL && error_number != EROFS) fail(directory, "fsync failed", error_number);
}

std::string parent_directory(const std::string& path)
{
    const std::size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

void make_directories(const std::string& directory)
{
    if (directory.empty() || directory == "." || directory == "/") return;
    struct stat info {};
    if (::stat(directory.c_str(), &info) == 0) {
        if (!S_ISDIR(info.st_mode)) throw std::runtime_error(directory + ": exists and is not a directory");
        return;
    }
    make_directories(parent_directory(directory));
    if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) fail(directory, "cannot create directory", errno);
}

std::string temporary_name(const std::string& path)
{
    static std::atomic<unsigned> counter{0};
    return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace mlrun::tf
