// The options the tf_checkpoint format takes (see tf_checkpoint_plugin.cpp).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mlrun::tf {

enum class naming {
    mlrun,       // mlrun names, stored under tf.keras object names with an object graph
    tensorflow,  // keys written and read exactly as given
};

struct tf_options {
    naming names = naming::mlrun;
    std::vector<std::string> layer_names;  // reading: the model's weighted layers, in order
    bool require_data = true;              // reading: false allows missing data shards
};

// Parses key/value options; throws std::runtime_error on an unknown key or
// value, naming the keys that are known.
tf_options parse_tf_options(const std::vector<std::pair<std::string, std::string>>& options, bool reading);

// The key prefix under which mlrun metadata is stored as string tensors.
inline constexpr const char* metadata_prefix = "_MLRUN_METADATA/";

}  // namespace mlrun::tf
