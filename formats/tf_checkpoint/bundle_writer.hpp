// Writes one tensor bundle: PREFIX.data-00000-of-00001 and PREFIX.index,
// or one shard of a bundle that several processes write together: each
// writes PREFIX.data-0000s-of-0000n with the tensors placed in its shard,
// and shard 0's writer, which sees every tensor, writes the index of all.
//
// Tensor bytes stream into a temporary data file as they arrive; commit()
// writes the index to a temporary file too, syncs both, and only then
// renames them into place (atomic_output, the framework's one writer of
// whole files). Until then nothing at PREFIX changes, and a writer
// destroyed without commit() removes its temporaries.
#pragma once

#include "proto/tensor_bundle.pb.h"

#include "mlrun/core/atomic_file.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlrun::tf {

std::string data_file_name(const std::string& prefix, int shard, int shard_count);
std::string index_file_name(const std::string& prefix);

// Which shard of how many this writer writes.
struct shard_role {
    int shard = 0;
    int count = 1;
};

class bundle_writer {
public:
    explicit bundle_writer(std::string prefix, shard_role role = {});
    ~bundle_writer();
    bundle_writer(const bundle_writer&) = delete;
    bundle_writer& operator=(const bundle_writer&) = delete;

    // Appends a fixed-size tensor's bytes to shard `in_shard` (written only
    // when it is this writer's); returns its entry (everything but the key).
    // `what` names the tensor in errors.
    BundleEntryProto add_numeric(const std::string& what, int tf_dtype, const std::vector<std::int64_t>& dims,
                                 const void* data, std::uint64_t byte_size, int in_shard = 0);
    BundleEntryProto add_strings(const std::string& what, const std::vector<std::int64_t>& dims,
                                 const std::vector<std::string_view>& elements);

    // Writes the index of `entries` (any order; keys must be unique) and
    // makes the bundle visible (shard 0; the other shards must be in place).
    // Data files of another shard count under the prefix go afterwards.
    void commit(std::vector<std::pair<std::string, BundleEntryProto>> entries);
    // A shard other than 0: syncs its data file and renames it into place.
    void commit_shard();
    const shard_role& role() const { return role_; }

    const std::string& prefix() const { return prefix_; }

private:
    BundleEntryProto append(int tf_dtype, const std::vector<std::int64_t>& dims, const void* data,
                            std::uint64_t size, std::uint32_t crc);
    // The entry of the `size` bytes just appended; advances the offset.
    BundleEntryProto entry_for(int tf_dtype, const std::vector<std::int64_t>& dims, std::uint64_t size,
                               std::uint32_t crc, int in_shard);
    void remove_other_shard_counts() const;

    std::string prefix_;
    shard_role role_;
    std::unique_ptr<atomic_output> data_;
    std::vector<std::uint64_t> offsets_;  // the next offset in each shard
};

}  // namespace mlrun::tf
