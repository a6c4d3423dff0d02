// How the reader (isolated_read.cpp) and its helper executable
// mlrun-hdf5-probe (hdf5_probe.cpp) talk. The reader starts the helper as
//
//   mlrun-hdf5-probe NAME PARENT_PID
//
// with the file's bytes and a pipe on fixed descriptors; the helper reads
// the bytes as the file NAME (whose suffix picks the layout), writes the
// reader's error message, if any, to the pipe and exits with a code below.
#pragma once

namespace mlrun::keras_h5::probe {

// A sealed memfd holding the file's snapshot: the very bytes the parent
// checked and reads itself.
inline constexpr int snapshot_fd = 3;
// The write end of a pipe for the reader's error message.
inline constexpr int message_fd = 4;
// Descriptors the parent hands over are moved up here first, so that
// placing them on 3 and 4 never overwrites one with the other.
inline constexpr int first_free_fd = 5;

// The helper's exit codes. Anything else (a sanitizer exits with 1 after
// its report, glibc's abort on heap damage raises SIGABRT) counts as a crash.
inline constexpr int read_returned = 0;
inline constexpr int read_threw = 86;

// Where the helper is: the same place relative to the code that starts it
// in the build tree and in an installed tree.
inline constexpr const char* from_plugin_dir = "../../../libexec/mlrun/mlrun-hdf5-probe";  // lib/mlrun/plugins
inline constexpr const char* from_bin_dir = "../libexec/mlrun/mlrun-hdf5-probe";           // an executable linking the reader

// For the tests only: makes the helper crash, hang or exit like a damaged
// file would, after it has read the bytes. Values: segfault, abort, hang, exit.
inline constexpr const char* test_fault_variable = "MLRUN_HDF5_PROBE_TEST_FAULT";

}  // namespace mlrun::keras_h5::probe
