// The options the tf_checkpoint format takes (see tf_checkpoint_plugin.cpp).
#pragma once

#include <cstdint>
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
    // Writing one shard of a bundle several processes save together
    // (shard of shards); tensors are placed in shards by their bytes, of
    // sharded_bytes in all (the numeric tensors' sum, the same for every writer).
    int shard = 0;
    int shards = 1;
    std::uint64_t sharded_bytes = 0;
};

// Parses key/value options; throws std::runtime_error on an unknown key or
// value, naming the keys that are known.
tf_options parse_tf_options(const std::vector<std::pair<std::string, std::string>>& options, bool reading);

// The key prefix under which mlrun metadata is stored as string tensors.
inline constexpr const char* metadata_prefix = "_MLRUN_METADATA/";

}  // namespace mlrun::tf
