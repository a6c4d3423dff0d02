// Which format plugin writes or reads a path: the one rule every command
// and the trainer follow. Writing: the format the experiment names
// (checkpoint.format, save.format), or the one the path's suffix selects
// when it names none (".h5" -> hdf5, ".yaml" -> yaml; no suffix or ".ckpt"
// -> the format that declares prefix paths, tf_checkpoint; a directory,
// named with a trailing '/' or existing -> the format that declares
// directory paths, tfjs; any other suffix is an error). Reading: the same, except that an existing
// PREFIX.index (or a path to one of a prefix's files) means the prefix
// format whatever the suffix.
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

// choose_format for an output path named by `key` (save.path,
// checkpoint.path), checked before anything runs: the format can write
// the name (.keras is read but not written) and the nearest existing
// directory of the path is writable. Throws config_error naming the key,
// the path and the known formats; a bad format name is reported at
// `where` (the format key's file position) when given.
const plugin_record& check_output_path(const plugin_registry& plugins, const std::string& requested,
                                       const std::string& path, const std::string& key, const std::string& where = "");

// The format that reads the existing checkpoint or file at `path`;
// `fallback` (a format name, or "") when no suffix matches. Throws
// io_error listing the known formats when none fits.
const plugin_record& format_for_reading(const plugin_registry& plugins, const std::string& path,
                                        const std::string& fallback = "");

// The format that declares directory paths when `path` names a directory
// (ends in '/' or is one) and exactly one format does; else nullptr.
const plugin_record* directory_format(const plugin_registry& plugins, const std::string& path);

// "  hdf5: .h5 .hdf5 .keras\n  tf_checkpoint: (a path prefix)\n ...".
std::string known_formats(const plugin_registry& plugins);

}  // namespace mlrun
