// read_keras_file: the file's own checksum first, or a child process as
// the first reader of a file that has none.
#include "file_seal.hpp"
#include "h5_io.hpp"
#include "isolated_read.hpp"
#include "keras_files.hpp"

#include <sys/stat.h>

namespace mlrun::keras_h5 {
namespace {

// Time for the child to read a sound file, generously: libhdf5 reads far
// faster than 16 MiB/s. Only a loop on damaged data takes longer.
unsigned child_time_limit(const std::string& path)
{
    struct stat info {};
    const auto size = ::stat(path.c_str(), &info) == 0 ? static_cast<unsigned long long>(info.st_size) : 0ull;
    return 20u + static_cast<unsigned>(size >> 24);
}

}  // namespace

staged_checkpoint read_keras_file(const std::string& path, unsigned child_seconds)
{
    const seal_state seal = check_seal(path);
    if (!seal.sealed) {
        read_in_child([&] { read_keras_file_unguarded(path); },
                      child_seconds != 0 ? child_seconds : child_time_limit(path));
    }
    staged_checkpoint out = read_keras_file_unguarded(path);
    out.set_meta("file_checksum", describe(seal));
    return out;
}

}  // namespace mlrun::keras_h5
