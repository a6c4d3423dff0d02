// Reading an untrusted file in a child process first. libhdf5 1.10 can
// crash (free(): invalid pointer, in H5HG_read, on a damaged global heap)
// or loop on a damaged file; in a child that ends only the child, and the
// caller gets an error instead.
#pragma once

#include <functional>

namespace mlrun::keras_h5 {

// Runs `read` in a forked child, which restores default signal actions,
// ignores terminal signals, silences its output and is killed by SIGALRM
// after `seconds`. Returns when `read` returned in the child (the caller
// then reads in process, knowing libhdf5 comes through). Throws
// format_error with the child's message when `read` threw there (so a
// damaged file never reaches libhdf5 in this process), and format_error
// saying so when the child died on a signal, exited some other way (a
// sanitizer's report) or ran out of time.
void read_in_child(const std::function<void()>& read, unsigned seconds);

}  // namespace mlrun::keras_h5
