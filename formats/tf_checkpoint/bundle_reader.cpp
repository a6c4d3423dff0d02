#include "bundle_reader.hpp"

#include "bundle_writer.hpp"
#include "crc32c.hpp"
#include "index_table.hpp"
#include "proto/tensor_bundle.pb.h"
#include "string_tensor.hpp"
#include "tf_types.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace mlrun::tf {
namespace {

// Large enough that system calls are few, small enough to stay in cache.
constexpr std::uint64_t io_piece_size = 1 << 20;

// The bundle format versions this reader understands (spec §3.1).
constexpr int reader_version = 1;

// The most data shards a bundle may declare. The reader keeps a slot per
// shard, so the count is bounded before anything is sized by it; TensorFlow
// numbers shard files with five digits (.data-00000-of-00001).
constexpr std::int64_t max_shards = 99999;

bool ends_with(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_text(const std::vector<std::int64_t>& dims)
{
    std::string text = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + "]";
}

}  // namespace

std::uint64_t bundle_entry::element_count() const
{
    std::uint64_t count = 1;
    for (std::int64_t d : dims) count *= static_cast<std::uint64_t>(d);
    return count;
}

std::string bundle_prefix(const std::string& path)
{
    if (file_exists(index_file_name(path))) return path;
    if (ends_with(path, ".index")) return path.substr(0, path.size() - 6);
    const std::size_t data = path.rfind(".data-");
    if (data != std::string::npos && path.find("-of-", data) != std::string::npos) return path.substr(0, data);
    return path;
}

bundle_reader::bundle_reader(const std::string& prefix, bool require_data)
    : prefix_(bundle_prefix(prefix)), index_path_(index_file_name(prefix_))
{
    if (!file_exists(index_path_)) {
        throw std::runtime_error(index_path_ + ": no such file (expected the index of a TensorFlow checkpoint " +
                                 "with prefix " + prefix_ + ")");
    }
    const index_entries table = read_index_table(read_whole_file(index_path_), index_path_);
    if (table.empty() || !table.front().first.empty()) {
        throw std::runtime_error(index_path_ + ": no bundle header (the empty key is missing)");
    }
    read_header(table.front().second);
    for (std::size_t i = 1; i < table.size(); ++i) {
        const auto& [key, value] = table[i];
        BundleEntryProto proto;
        if (!proto.ParseFromString(value)) {
            throw std::runtime_error(index_path_ + ": the entry of tensor '" + key + "' is not a valid BundleEntryProto");
        }
        bundle_entry e;
        e.key = key;
        e.dtype = proto.dtype();
        for (const auto& d : proto.shape().dim()) e.dims.push_back(d.size());
        e.shard = proto.shard_id();
        e.offset = static_cast<std::uint64_t>(proto.offset());
        e.size = static_cast<std::uint64_t>(proto.size());
        e.masked_crc = proto.crc32c();
        e.sliced = proto.slices_size() > 0;
        if (proto.shape().unknown_rank() || proto.offset() < 0 || proto.size() < 0) {
            throw std::runtime_error(index_path_ + ": tensor '" + key + "' has an unknown rank or a negative offset/size");
        }
        check_entry(e);
        entries_.push_back(std::move(e));
    }
    shards_.resize(static_cast<std::size_t>(shard_count_));
    if (require_data) {
        for (const bundle_entry& e : entries_) {
            if (e.sliced) continue;
            const input_file& file = shard(e.shard);
            if (e.offset + e.size > file.size()) {
                throw std::runtime_error(file.path() + ": tensor '" + e.key + "' lies at bytes [" +
                                         std::to_string(e.offset) + ", " + std::to_string(e.offset + e.size) +
                                         ") but the file has " + std::to_string(file.size()) + " bytes (truncated?)");
            }
        }
    }
}

void bundle_reader::read_header(const std::string& value)
{
    BundleHeaderProto header;
    if (!header.ParseFromString(value)) {
        throw std::runtime_error(index_path_ + ": bad header: the value of the empty key is not a BundleHeaderProto");
    }
    const VersionDef& v = header.version();
    if (v.producer() < 0 || v.min_consumer() > reader_version) {
        throw std::runtime_error(index_path_ + ": bad header: bundle version producer " + std::to_string(v.producer()) +
                                 ", min_consumer " + std::to_string(v.min_consumer()) + "; this reader is version " +
                                 std::to_string(reader_version));
    }
    for (int bad : v.bad_consumers()) {
        if (bad == reader_version) {
            throw std::runtime_error(index_path_ + ": bad header: the bundle rules out readers of version " +
                                     std::to_string(reader_version));
        }
    }
    if (header.endianness() != BundleHeaderProto::LITTLE) {
        throw std::runtime_error(index_path_ + ": bad header: big-endian tensor data is not supported");
    }
    BundleHeaderShardCount written;
    written.ParseFromString(value);  // cannot fail where BundleHeaderProto parsed: the same wire types
    if (written.num_shards() < 1 || written.num_shards() > max_shards) {
        throw std::runtime_error(index_path_ + ": bad header: num_shards is " + std::to_string(written.num_shards()) +
                                 ", expected 1 to " + std::to_string(max_shards));
    }
    shard_count_ = static_cast<int>(written.num_shards());
}

void bundle_reader::check_entry(const bundle_entry& e) const
{
    if (e.shard < 0 || e.shard >= shard_count_) {
        throw std::runtime_error(index_path_ + ": tensor '" + e.key + "' is in shard " + std::to_string(e.shard) +
                                 " but the header says there are " + std::to_string(shard_count_));
    }
    std::uint64_t count = 1;
    for (std::int64_t d : e.dims) {
        if (d < 0 || (d > 0 && count > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d))) {
            throw std::runtime_error(index_path_ + ": tensor '" + e.key + "' has an impossible shape " + shape_text(e.dims));
        }
        count *= static_cast<std::uint64_t>(d);
    }
    const std::size_t element = tf_element_size(e.dtype);
    if (!e.sliced && element > 0 && count * element != e.size) {
        throw std::runtime_error(index_path_ + ": tensor '" + e.key + "' is " + tf_dtype_name(e.dtype) + " " +
                                 shape_text(e.dims) + ", which takes " + std::to_string(count * element) +
                                 " bytes, but its entry says " + std::to_string(e.size));
    }
}

std::string bundle_reader::data_file(int index) const { return data_file_name(prefix_, index, shard_count_); }

const input_file& bundle_reader::shard(int index) const
{
    auto& slot = shards_.at(static_cast<std::size_t>(index));
    if (!slot) {
        const std::string path = data_file(index);
        if (!file_exists(path)) {
            throw std::runtime_error(path + ": missing data shard " + std::to_string(index) + " of " +
                                     std::to_string(shard_count_) + " (the index " + index_path_ +
                                     " lists tensors stored there)");
        }
        slot = std::make_unique<input_file>(path);
    }
    return *slot;
}

const input_file& bundle_reader::checked_shard(const bundle_entry& e) const
{
    const input_file& file = shard(e.shard);
    if (e.offset + e.size > file.size()) {
        throw std::runtime_error(describe(e) + ": lies past the end of the file, which has " +
                                 std::to_string(file.size()) + " bytes (truncated?)");
    }
    return file;
}

const bundle_entry* bundle_reader::find(const std::string& key) const
{
    for (const bundle_entry& e : entries_) {
        if (e.key == key) return &e;
    }
    return nullptr;
}

std::string bundle_reader::describe(const bundle_entry& e) const
{
    return data_file(e.shard) + ": tensor '" + e.key + "' (bytes [" + std::to_string(e.offset) + ", " +
           std::to_string(e.offset + e.size) + "))";
}

void bundle_reader::read_numeric(const bundle_entry& e, void* dst) const
{
    if (e.sliced) throw std::runtime_error(describe(e) + ": partitioned variables are not supported");
    if (tf_element_size(e.dtype) == 0) throw std::runtime_error(describe(e) + ": " + tf_dtype_name(e.dtype) + " is not a fixed-size type");
    const input_file& file = checked_shard(e);
    // Read and checksum piece by piece, while each piece is in the cache.
    auto* bytes = static_cast<char*>(dst);
    std::uint32_t computed = 0;
    for (std::uint64_t done = 0; done < e.size;) {
        const auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(io_piece_size, e.size - done));
        file.read_exact(e.offset + done, bytes + done, piece);
        computed = crc32c_extend(computed, bytes + done, piece);
        done += piece;
    }
    if (computed != unmask_crc(e.masked_crc)) {
        throw std::runtime_error(describe(e) + ": checksum mismatch: stored crc32c " + crc_hex(unmask_crc(e.masked_crc)) +
                                 ", computed " + crc_hex(computed) + "; the file is damaged");
    }
}

std::vector<std::string> bundle_reader::read_strings(const bundle_entry& e) const
{
    if (e.dtype != DT_STRING) throw std::runtime_error(describe(e) + ": is " + tf_dtype_name(e.dtype) + ", not DT_STRING");
    if (e.sliced) throw std::runtime_error(describe(e) + ": partitioned variables are not supported");
    const input_file& file = checked_shard(e);
    std::string bytes(static_cast<std::size_t>(e.size), '\0');
    file.read_exact(e.offset, bytes.data(), bytes.size());
    return decode_strings(bytes, e.element_count(), e.masked_crc, describe(e));
}

}  // namespace mlrun::tf
