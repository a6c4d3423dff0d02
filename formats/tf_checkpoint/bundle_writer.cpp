#include "bundle_writer.hpp"

#include "crc32c.hpp"
#include "file_io.hpp"
#include "index_table.hpp"
#include "string_tensor.hpp"
#include "tf_types.hpp"

#include "mlrun/plugin/failpoint.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace mlrun::tf {
namespace {

// Large enough that system calls are few, small enough to stay in cache.
constexpr std::uint64_t io_piece_size = 1 << 20;

// kTensorBundleVersion: what every TensorFlow writer since format V2 puts
// in the header.
constexpr int bundle_version = 1;

std::uint64_t element_count(const std::string& what, const std::vector<std::int64_t>& dims)
{
    std::uint64_t count = 1;
    for (std::int64_t d : dims) {
        if (d < 0) throw std::runtime_error("tensor '" + what + "' has a negative dimension");
        count *= static_cast<std::uint64_t>(d);
    }
    return count;
}

std::string header_bytes(int shard_count)
{
    BundleHeaderProto header;
    header.set_num_shards(shard_count);
    header.mutable_version()->set_producer(bundle_version);
    return header.SerializeAsString();
}

}  // namespace

std::string data_file_name(const std::string& prefix, int shard, int shard_count)
{
    char suffix[48];
    std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, shard_count);
    return prefix + suffix;
}

std::string index_file_name(const std::string& prefix) { return prefix + ".index"; }

bundle_writer::bundle_writer(std::string prefix, shard_role role)
    : prefix_(std::move(prefix)), role_(role), offsets_(static_cast<std::size_t>(std::max(role.count, 1)), 0)
{
    if (role_.count < 1 || role_.count > 99999 || role_.shard < 0 || role_.shard >= role_.count) {
        throw std::runtime_error("shard " + std::to_string(role_.shard) + " of " + std::to_string(role_.count) +
                                 ": expected a shard from 0 to count - 1 and a count from 1 to 99999");
    }
    make_directories(parent_directory(prefix_));
    data_ = std::make_unique<atomic_output>(data_file_name(prefix_, role_.shard, role_.count));
}

bundle_writer::~bundle_writer() = default;

BundleEntryProto bundle_writer::append(int tf_dtype, const std::vector<std::int64_t>& dims, const void* data,
                                       std::uint64_t size, std::uint32_t crc)
{
    // Strings (metadata, the object graph) are the index writer's: shard 0.
    data_->write(data, static_cast<std::size_t>(size));
    return entry_for(tf_dtype, dims, size, crc, 0);
}

BundleEntryProto bundle_writer::entry_for(int tf_dtype, const std::vector<std::int64_t>& dims, std::uint64_t size,
                                          std::uint32_t crc, int in_shard)
{
    std::uint64_t& offset = offsets_.at(static_cast<std::size_t>(in_shard));
    BundleEntryProto entry;
    entry.set_dtype(static_cast<DataType>(tf_dtype));
    TensorShapeProto* shape = entry.mutable_shape();  // present even for scalars, as TensorFlow writes it
    for (std::int64_t d : dims) shape->add_dim()->set_size(d);
    entry.set_offset(static_cast<std::int64_t>(offset));
    entry.set_size(static_cast<std::int64_t>(size));
    entry.set_crc32c(mask_crc(crc));
    if (in_shard != 0) entry.set_shard_id(in_shard);
    offset += size;
    return entry;
}

BundleEntryProto bundle_writer::add_numeric(const std::string& what, int tf_dtype,
                                            const std::vector<std::int64_t>& dims, const void* data,
                                            std::uint64_t byte_size, int in_shard)
{
    if (in_shard < 0 || in_shard >= role_.count) {
        throw std::runtime_error("tensor '" + what + "': shard " + std::to_string(in_shard) + " of a bundle of " +
                                 std::to_string(role_.count));
    }
    const std::size_t element = tf_element_size(tf_dtype);
    if (element == 0) throw std::runtime_error("tensor '" + what + "': " + tf_dtype_name(tf_dtype) + " is not a fixed-size type");
    const std::uint64_t expected = element_count(what, dims) * element;
    if (byte_size != expected) {
        throw std::runtime_error("tensor '" + what + "': its shape needs " + std::to_string(expected) +
                                 " bytes but " + std::to_string(byte_size) + " were given");
    }
    if (byte_size > 0 && data == nullptr) throw std::runtime_error("tensor '" + what + "' has no data");
    // Checksum and write piece by piece: each piece is still in the cache
    // when write() copies it, so large tensors cross memory once, not twice.
    // Another shard's tensor is only checksummed, for the index (shard 0)
    // or not at all (the index is not this writer's).
    const bool mine = in_shard == role_.shard;
    if (!mine && role_.shard != 0) return entry_for(tf_dtype, dims, byte_size, 0, in_shard);
    const auto* bytes = static_cast<const char*>(data);
    std::uint32_t crc = 0;
    for (std::uint64_t done = 0; done < byte_size;) {
        const auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(io_piece_size, byte_size - done));
        crc = crc32c_extend(crc, bytes + done, piece);
        if (mine) data_->write(bytes + done, piece);
        done += piece;
    }
    return entry_for(tf_dtype, dims, byte_size, crc, in_shard);
}

BundleEntryProto bundle_writer::add_strings(const std::string& what, const std::vector<std::int64_t>& dims,
                                            const std::vector<std::string_view>& elements)
{
    if (element_count(what, dims) != elements.size()) {
        throw std::runtime_error("tensor '" + what + "': its shape holds " + std::to_string(element_count(what, dims)) +
                                 " strings but " + std::to_string(elements.size()) + " were given");
    }
    if (role_.shard != 0) return entry_for(DT_STRING, dims, 0, 0, 0);  // strings live in shard 0, with the index
    const encoded_strings encoded = encode_strings(elements);
    return append(DT_STRING, dims, encoded.bytes.data(), encoded.bytes.size(), encoded.crc);
}

void bundle_writer::commit_shard()
{
    if (role_.shard == 0) throw std::runtime_error(prefix_ + ": shard 0 commits with the index");
    data_->commit();
}

void bundle_writer::remove_other_shard_counts() const
{
    // What a save with another number of processes left under this prefix:
    // the new index no longer names those files.
    const std::string directory = parent_directory(prefix_);
    const std::size_t slash = prefix_.find_last_of('/');
    const std::string stem = slash == std::string::npos ? prefix_ : prefix_.substr(slash + 1);
    char own[32];
    std::snprintf(own, sizeof own, "-of-%05d", role_.count);
    const std::size_t name_size = stem.size() + std::string(".data-00000-of-00000").size();
    for (const std::string& file : list_directory(directory)) {
        if (file.size() != name_size || file.rfind(stem + ".data-", 0) != 0) continue;
        if (file.compare(file.size() - 9, 9, own) == 0) continue;
        std::remove((directory + "/" + file).c_str());
    }
}

void bundle_writer::commit(std::vector<std::pair<std::string, BundleEntryProto>> entries)
{
    if (role_.shard != 0) throw std::runtime_error(prefix_ + ": only shard 0 writes the index");
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    index_entries table;
    table.emplace_back("", header_bytes(role_.count));
    for (const auto& [key, entry] : entries) {
        if (key.empty()) throw std::runtime_error("a tensor has an empty name (the empty key holds the header)");
        if (key == table.back().first) throw std::runtime_error("two tensors are named '" + key + "'");
        table.emplace_back(key, entry.SerializeAsString());
    }
    data_->finish();
    const std::string index_bytes = build_index_table(table);
    atomic_output index(index_file_name(prefix_));
    index.write(index_bytes.data(), index_bytes.size());
    index.finish();
    // The data file goes first: a reader that finds the new index always
    // finds the data it describes.
    data_->commit();
    // Saved again under the same prefix, the old index now describes new
    // data; the framework names a second copy of the old pair in the state
    // file meanwhile (docs/resume.md). Tests kill the process here.
    failpoint("tf_checkpoint.between_renames");
    index.commit();
    remove_other_shard_counts();
}

}  // namespace mlrun::tf
