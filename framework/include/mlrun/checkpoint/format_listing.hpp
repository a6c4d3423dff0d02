// What a checkpoint file holds -- names, types, shapes -- without reading
// any tensor's values (mlrun inspect).
#pragma once

#include "mlrun/checkpoint/format.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {

struct tensor_listing {
    std::string name;
    dtype type = dtype::float32;
    shape dims;
};

struct checkpoint_listing {
    std::vector<tensor_listing> tensors;  // in the plugin's order
    std::map<std::string, std::string> metadata;
};

// Opens `path` with the format plugin `plugin` and lists its tensors and
// metadata. Throws io_error naming the file when it cannot be opened.
checkpoint_listing list_tensors(const plugin_record& plugin, const std::string& path,
                                         const format_options& options = {});

}  // namespace mlrun
