// Which format plugin writes a checkpoint: the one the experiment names
// (checkpoint.format), or the one the path's suffix selects when it names
// none (".h5" -> hdf5, ".yaml" -> yaml; no suffix or ".ckpt" -> the format
// named by prefix, tf_checkpoint; any other suffix is an error).
#pragma once

#include "mlrun/plugin/plugin_registry.hpp"

#include <string>

namespace mlrun {

// `requested` is a format name or "" (infer from `path`, which may be a
// template such as cp-{epoch:04d}.h5). Throws config_error starting with
// `where` and listing the known formats with their suffixes when the name
// is unknown, when it contradicts the suffix another format claims, or
// when no single format fits.
const plugin_record& choose_format(const plugin_registry& plugins, const std::string& requested, const std::string& path,
                                   const std::string& where);

// "  hdf5: .h5 .hdf5 .keras\n  tf_checkpoint: (a path prefix)\n ...".
std::string known_formats(const plugin_registry& plugins);

}  // namespace mlrun
