// Writes one tensor bundle: PREFIX.data-00000-of-00001 and PREFIX.index.
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

class bundle_writer {
public:
    explicit bundle_writer(std::string prefix);
    ~bundle_writer();
    bundle_writer(const bundle_writer&) = delete;
    bundle_writer& operator=(const bundle_writer&) = delete;

    // Appends a fixed-size tensor's bytes; returns its entry (everything but
    // the key). `what` names the tensor in errors.
    BundleEntryProto add_numeric(const std::string& what, int tf_dtype, const std::vector<std::int64_t>& dims,
                                 const void* data, std::uint64_t byte_size);
    BundleEntryProto add_strings(const std::string& what, const std::vector<std::int64_t>& dims,
                                 const std::vector<std::string_view>& elements);

    // Writes the index of `entries` (any order; keys must be unique) and
    // makes the bundle visible.
    void commit(std::vector<std::pair<std::string, BundleEntryProto>> entries);

    const std::string& prefix() const { return prefix_; }

private:
    BundleEntryProto append(int tf_dtype, const std::vector<std::int64_t>& dims, const void* data,
                            std::uint64_t size, std::uint32_t crc);
    // The entry of the `size` bytes just appended; advances the offset.
    BundleEntryProto entry_for(int tf_dtype, const std::vector<std::int64_t>& dims, std::uint64_t size,
                               std::uint32_t crc);

    std::string prefix_;
    std::unique_ptr<atomic_output> data_;
    std::uint64_t offset_ = 0;
};

}  // namespace mlrun::tf
