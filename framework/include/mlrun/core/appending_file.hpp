// A log that grows by whole entries (CSV rows, TensorBoard records): each
// append lands complete and synced, or, when a write fails (a full disk),
// the file is cut back to its length before, so earlier entries are never
// followed by half of one. Logs grow; files written whole go through
// atomic_file.hpp instead.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace mlrun {

class appending_file {
public:
    enum class opening { add_or_create, create_new };

    // Opens `path` to add to its end; create_new fails if it exists.
    // Errors are io_error naming `path` and the reason.
    appending_file(std::string path, opening how);
    ~appending_file();
    appending_file(const appending_file&) = delete;
    appending_file& operator=(const appending_file&) = delete;

    // Writes `entry` at the end and syncs it; on failure truncates the
    // file back and throws io_error.
    void append(std::string_view entry);
    // The bytes before the first append (0 for a new file).
    off_t size() const { return end_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    off_t end_ = 0;
};

}  // namespace mlrun
