#include "file_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mlrun::tf {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int error_number)
{
    throw std::runtime_error(path + ": " + what + ": " + std::strerror(error_number));
}

}  // namespace

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

std::string parent_directory(const std::string& path)
{
    const std::size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::vector<std::string> list_directory(const std::string& directory)
{
    std::vector<std::string> names;
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) return names;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    return names;
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

}  // namespace mlrun::tf
