// From what a user types (a checkpoint path or a directory of them) to a
// checkpoint path and the format plugin that reads it.
#pragma once

#include "mlrun/plugin/plugin_registry.hpp"

#include <string>

namespace mlrun {

// A directory means its latest checkpoint (per its `checkpoint` state
// file); PREFIX.index and PREFIX.data-* mean PREFIX; anything else is
// returned as given. Throws io_error saying what
// the directory lacks.
std::string resolve_checkpoint_argument(const std::string& path_or_directory);

// The format for `path`: tf_checkpoint when PATH.index exists (or PATH is
// an .index or .data-* file), else the format plugin claiming PATH's
// suffix, else the plugin named `fallback`. Throws io_error when none fits.
const plugin_record& format_for_path(const plugin_registry& plugins, const std::string& path,
                                     const std::string& fallback);

}  // namespace mlrun
