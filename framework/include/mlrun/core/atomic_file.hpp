// Writing a file so that a reader, a crash or a full disk never sees or
// leaves half of it: a temporary beside the target, synced, renamed over
// it, the directory synced. Every file mlrun writes whole goes through
// here, the format plugins' included (a small static library each links),
// so the previous version survives any failure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mlrun {

// A name beside `path` no other process or call uses:
// PATH.tmp-PID-COUNTER (the pattern stale temporaries are removed by).
std::string unique_temporary_name(const std::string& path);

// A file written in pieces at a temporary name and renamed over `path`
// only by commit(); destroyed before that, it removes the temporary.
// Errors are io_error naming `path`, the temporary and the reason.
class atomic_output {
public:
    explicit atomic_output(std::string path);
    ~atomic_output();
    atomic_output(const atomic_output&) = delete;
    atomic_output& operator=(const atomic_output&) = delete;

    // Buffered: many small pieces cost few system calls.
    void write(const void* data, std::size_t size);
    // Writes out the buffer, syncs and closes the temporary: it is whole
    // on disk, not yet in place. commit() does this when not done.
    void finish();
    // Renames the temporary over `path` and syncs the directory.
    void commit();

    const std::string& path() const { return path_; }

private:
    void write_out(const char* data, std::size_t size);
    [[noreturn]] void fail(const std::string& what, int error_number);
    void discard() noexcept;

    std::string path_;
    std::string temporary_;
    int fd_ = -1;
    std::string buffer_;
    bool finished_ = false;
    bool committed_ = false;
};

// Replaces `path` with `contents`, or throws io_error naming `path` and
// why, leaving the old file as it was and no temporary behind.
void write_file_atomically(const std::string& path, std::string_view contents);

// fsync of the directory holding `path`, so a rename into it is durable;
// a failure loses nothing already visible and is ignored.
void sync_parent_directory(const std::string& path);

}  // namespace mlrun
