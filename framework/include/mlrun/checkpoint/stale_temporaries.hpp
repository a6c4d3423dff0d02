// A save killed half-way leaves its temporary files (NAME.tmp-PID or
// NAME.tmp-PID-N) in the checkpoint directory. Nothing reads them; the
// next run removes those whose process is gone.
#pragma once

#include <string>

namespace mlrun {

// Removes DIRECTORY's temporaries whose PID names no live process; returns
// how many. A missing or unreadable directory removes nothing.
int remove_stale_temporaries(const std::string& directory);

}  // namespace mlrun
