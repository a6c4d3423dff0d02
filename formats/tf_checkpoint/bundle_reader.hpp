// Reads a tensor bundle written by TensorFlow or by mlrun.
//
// Opening reads and checks the whole index (footer, block checksums,
// header version, every entry's size against its dtype and shape, and --
// unless only names are wanted -- that every data shard exists and holds
// the bytes its entries point at). Reading a tensor checks its crc32c.
#pragma once

#include "file_io.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlrun::tf {

struct bundle_entry {
    std::string key;
    int dtype = 0;  // TensorFlow DataType
    std::vector<std::int64_t> dims;
    int shard = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint32_t masked_crc = 0;
    bool sliced = false;  // a slice of a partitioned variable: not readable here

    std::uint64_t element_count() const;
};

class bundle_reader {
public:
    // `prefix` may also be given as PREFIX.index. With require_data false
    // the data shards are not looked at until a tensor is read.
    bundle_reader(const std::string& prefix, bool require_data);

    const std::string& prefix() const { return prefix_; }
    int shard_count() const { return shard_count_; }
    // Every tensor entry, in key order (the header is not one).
    const std::vector<bundle_entry>& entries() const { return entries_; }
    const bundle_entry* find(const std::string& key) const;

    // The tensor's bytes as stored; throws naming the tensor and the file
    // when its checksum does not match.
    void read_numeric(const bundle_entry& entry, void* dst) const;
    std::vector<std::string> read_strings(const bundle_entry& entry) const;

    std::string data_file(int shard) const;

private:
    void read_header(const std::string& value);
    void check_entry(const bundle_entry& entry) const;
    const input_file& shard(int index) const;
    // The entry's shard, checked to hold all of the entry's bytes.
    const input_file& checked_shard(const bundle_entry& entry) const;
    std::string describe(const bundle_entry& entry) const;

    std::string prefix_;
    std::string index_path_;
    int shard_count_ = 0;
    std::vector<bundle_entry> entries_;
    mutable std::vector<std::unique_ptr<input_file>> shards_;
};

// PREFIX for a path given as PREFIX, PREFIX.index or PREFIX.data-*.
std::string bundle_prefix(const std::string& path);

}  // namespace mlrun::tf
