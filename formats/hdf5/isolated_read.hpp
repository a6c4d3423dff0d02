// Reading an untrusted file in a separate process first. libhdf5 1.10 can
// crash (free(): invalid pointer, in H5HG_read, on a damaged global heap)
// or loop on a damaged file; in another process that ends only that
// process, and the caller gets an error instead.
#pragma once

#include <string>
#include <vector>

namespace mlrun::keras_h5 {

// Reads `bytes` (the snapshot of the file `path`; its suffix picks the
// layout) with read_keras_bytes in a fresh process: the helper
// mlrun-hdf5-probe, started with posix_spawn (never fork: this process may
// run OpenMP, BLAS or other threads holding locks a forked child would
// inherit held), in its own session (a Ctrl-C at the terminal is this
// process's to handle), with default signal actions, no output, and
// killed after `seconds`. Returns when the read returned there (the caller
// then reads in process, knowing libhdf5 comes through). Throws
// format_error with the helper's message when the read threw there (so a
// damaged file never reaches libhdf5 in this process), and format_error
// saying so when the helper died on a signal, exited some other way (a
// sanitizer's report), ran out of time or could not be started.
void read_in_separate_process(const std::vector<unsigned char>& bytes, const std::string& path, unsigned seconds);

// The helper's path: libexec/mlrun/mlrun-hdf5-probe under the prefix of
// the file holding this code, the plugin in lib/mlrun/plugins or an
// executable in bin/ that links the reader (tests, fuzz targets). Found
// from that file's own location (never through PATH); it need not exist.
std::string probe_executable();

}  // namespace mlrun::keras_h5
