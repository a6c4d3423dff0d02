// The few POSIX file operations a bundle reader needs, and the directory
// a writer saves into, with errors that name the file. (Files are written
// through mlrun/core/atomic_file.hpp.) Everything throws
// std::runtime_error; the plugin entry points turn that into a status and
// a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mlrun::tf {

// A file being read at arbitrary offsets.
class input_file {
public:
    explicit input_file(std::string path);
    ~input_file();
    input_file(const input_file&) = delete;
    input_file& operator=(const input_file&) = delete;

    std::uint64_t size() const { return size_; }
    // Reads exactly `size` bytes at `offset`; throws when the file is shorter.
    void read_exact(std::uint64_t offset, void* dst, std::size_t size) const;
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

std::string read_whole_file(const std::string& path);
bool file_exists(const std::string& path);
std::string parent_directory(const std::string& path);
// The names in `directory` (not . and ..); none when it cannot be read.
std::vector<std::string> list_directory(const std::string& directory);
// Creates `directory` and any missing parents (as TensorFlow does on save).
void make_directories(const std::string& directory);

}  // namespace mlrun::tf
