// An mlrun checkpoint being saved as a TensorFlow bundle: tensors stream
// to the data file as they come; commit() names them (tf.keras names and
// object graph, or as given), adds the optimizer settings and metadata,
// and writes the index. Saved by several processes (options shard,
// shards), each writes its shard's tensors and shard 0 also the index;
// every writer must be given the same tensors in the same order.
#pragma once

#include "bundle_writer.hpp"
#include "tf_options.hpp"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlrun::tf {

class checkpoint_writer {
public:
    // Starts the bundle at `prefix` (nothing is visible there until commit).
    checkpoint_writer(const std::string& prefix, tf_options options);

    void add_numeric(const std::string& name, int tf_dtype, const std::vector<std::int64_t>& dims, const void* data,
                     std::uint64_t byte_size);
    void add_strings(const std::string& name, const std::vector<std::int64_t>& dims,
                     const std::vector<std::string_view>& elements);
    void add_metadata(const std::string& key, const std::string& value);

    void commit();

private:
    // The shard of the next numeric tensor, of `bytes` bytes: the one whose
    // share of sharded_bytes its middle falls in.
    int shard_for(std::uint64_t bytes) const;

    std::string metadata_value(const std::string& key) const;

    tf_options options_;
    bundle_writer bundle_;
    std::vector<std::pair<std::string, BundleEntryProto>> tensors_;  // mlrun name -> entry, in order
    std::map<std::string, std::string> metadata_;
    std::uint64_t placed_bytes_ = 0;  // numeric bytes placed in shards so far
};

}  // namespace mlrun::tf
