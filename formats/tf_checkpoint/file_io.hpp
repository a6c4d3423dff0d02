// The few POSIX file operations a bundle needs, with errors that name the
// file. Everything throws std::runtime_error; the plugin entry points turn
// that into a status and a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mlrun::tf {

// A file being written, with a small buffer so that many small tensors do
// not cost one system call each; large ones bypass it.
class output_file {
public:
    // Creates (or truncates) `path`.
    explicit output_file(std::string path);
    ~output_file();
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;

    void append(const void* data, std::size_t size);
    // Writes the buffer out and waits until the bytes are on disk.
    void sync();
    void close();
    const std::string& path() const { return path_; }

private:
    void flush();
    void write_all(const void* data, std::size_t size);

    std::string path_;
    int fd_ = -1;
    std::vector<char> buffer_;
    std::size_t used_ = 0;
};

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
// Writes `bytes` to `path` and syncs it (no rename: callers stage temps).
void write_file_synced(const std::string& path, const std::string& bytes);
void rename_file(const std::string& from, const std::string& to);
// Removes `path` if it exists; never throws (used on cleanup paths).
void remove_quietly(const std::string& path);
// Makes a finished rename in `directory` durable.
void sync_directory(const std::string& directory);
std::string parent_directory(const std::string& path);
// Creates `directory` and any missing parents (as TensorFlow does on save).
void make_directories(const std::string& directory);
// A name next to `path` that no other writer uses: path.tmp-<pid>-<n>.
std::string temporary_name(const std::string& path);

}  // namespace mlrun::tf
