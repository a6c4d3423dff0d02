// From what a user types (a checkpoint path or a directory of them) to a
// checkpoint path; format_choice.hpp says which format reads it.
#pragma once

#include "mlrun/plugin/plugin_registry.hpp"

#include <string>

namespace mlrun {

// A directory means its latest checkpoint (per its `checkpoint` state
// file); PREFIX.index and PREFIX.data-* mean PREFIX; anything else is
// returned as given. Throws io_error saying what
// the directory lacks.
std::string resolve_checkpoint_argument(const std::string& path_or_directory);

}  // namespace mlrun
