// Writing a file so that a reader, a crash or a full disk never sees or
// leaves half of it: a temporary beside the target, synced, renamed over
// it, the directory synced. Every file mlrun writes whole goes through
// here (checkpoint state, outputs, records), so the previous version
// survives any failure.
#pragma once

#include <string>

namespace mlrun {

// A name beside `path` no other process or call uses:
// PATH.tmp-PID-COUNTER (the pattern stale temporaries are removed by).
std::string unique_temporary_name(const std::string& path);

// Replaces `path` with `contents`, or throws io_error naming `path` and
// why, leaving the old file as it was and no temporary behind.
void write_file_atomically(const std::string& path, const std::string& contents);

// For a file another program wrote at a temporary name (gnuplot's plot):
// syncs it and renames it over `path`, or removes it and throws io_error.
void rename_into_place(const std::string& temporary, const std::string& path);

// fsync of the directory holding `path`, so a rename into it is durable;
// a failure loses nothing already visible and is ignored.
void sync_parent_directory(const std::string& path);

}  // namespace mlrun
