// Running a plugin's code: loading its library and calling its entry, in
// this process (load_plugin_library) or first in a child process that may
// die in its place (probe_plugin).
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <boost/filesystem/path.hpp>

#include <string>

namespace mlrun {

struct loaded_plugin {
    const mlrun_plugin_descriptor* descriptor = nullptr;  // set when it loaded
    std::string failure;                                  // why not, otherwise
};

// dlopens `file` (RTLD_NOW | RTLD_LOCAL, for good: objects a plugin makes
// may live until the end of main), calls its entry and checks the
// descriptor's ABI, kind, name and table. Failures a plugin can report
// (a missing dependency, an entry that throws or refuses) come back in
// `failure`; one that crashes or exits takes this process with it, which
// is why the registry probes first.
loaded_plugin load_plugin_library(const boost::filesystem::path& file);

// Loads `file` in a child process (the mlrun-plugin-probe helper next to
// the mlrun executable) and waits for it to report. "" when it loaded;
// otherwise what happened, without the file's name: the loader's or the
// entry's own message, "crashed while loading: signal SIGSEGV
// (Segmentation fault)", "exited with status 0 while loading, before it
// reported", "did not finish loading within 10 s". The time limit is
// MLRUN_PLUGIN_PROBE_TIMEOUT seconds, 10 when unset.
std::string probe_plugin(const boost::filesystem::path& file);

// The helper's side: loads `file` and writes "ok\n" or "error: REASON\n"
// to `report_fd`. Returns the helper's exit status.
int report_plugin_probe(const boost::filesystem::path& file, int report_fd);

}  // namespace mlrun
