// Readers of files named by the user refuse anything but a regular file
// before opening it: opening a FIFO blocks until a writer comes, and a
// device such as /dev/zero never ends. Header-only, so plugins use it too.
#pragma once

#include <sys/stat.h>

#include <string>

namespace mlrun {

// What `path` is when it exists but is not a regular file ("a FIFO", "a
// directory", "a character device", ...); empty for a regular file and for
// a path that cannot be looked at, which the caller's open then reports.
inline std::string non_regular_kind(const std::string& path)
{
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return "";
    const mode_t type = info.st_mode & S_IFMT;
    if (type == S_IFREG) return "";
    if (type == S_IFIFO) return "a FIFO";
    if (type == S_IFDIR) return "a directory";
    if (type == S_IFCHR) return "a character device";
    if (type == S_IFBLK) return "a block device";
    if (type == S_IFSOCK) return "a socket";
    return "a special file";
}

// "PATH: is a FIFO, not a regular file" for a path non_regular_kind names.
inline std::string non_regular_message(const std::string& path, const std::string& kind)
{
    return path + ": is " + kind + ", not a regular file";
}

}  // namespace mlrun
