// read_keras_file: the file's own checksum first, or a child process as
// the first reader of a file that has none.
#include "file_seal.hpp"
#include "h5_io.hpp"
#include "isolated_read.hpp"
#include "keras_files.hpp"

namespace mlrun::keras_h5 {
namespace {

// Time for the child to read a sound file, generously: libhdf5 reads far
// faster than 16 MiB/s. Only a loop on damaged data takes longer.
unsigned child_time_limit(std::size_t size) { return 20u + static_cast<unsigned>(size >> 24); }

}  // namespace

staged_checkpoint read_keras_file(const std::string& path, unsigned child_seconds)
{
    // One read of the file: the checksum, the child's read and this
    // process's read all see the same bytes, whatever happens to the path.
    const std::vector<unsigned char> bytes = read_snapshot(path);
    const seal_state seal = check_seal(bytes);
    if (!seal.sealed) {
        read_in_separate_process(bytes, path, child_seconds != 0 ? child_seconds : child_time_limit(bytes.size()));
    }
    staged_checkpoint out = read_keras_bytes(bytes, path);
    out.set_meta("file_checksum", describe(seal));
    return out;
}

}  // namespace mlrun::keras_h5
