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

std::string header_bytes()
{
    BundleHeaderProto header;
    header.set_num_shards(1);
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

bundle_writer::bundle_writer(std::string prefix) : prefix_(std::move(prefix))
{
    make_directories(parent_directory(prefix_));
    data_ = std::make_unique<atomic_output>(data_file_name(prefix_, 0, 1));
}

bundle_writer::~bundle_writer() = default;

BundleEntryProto bundle_writer::append(int tf_dtype, const std::vector<std::int64_t>& dims, const void* data,
                                       std::uint64_t size, std::uint32_t crc)
{
    data_->write(data, static_cast<std::size_t>(size));
    return entry_for(tf_dtype, dims, size, crc);
}

BundleEntryProto bundle_writer::entry_for(int tf_dtype, const std::vector<std::int64_t>& dims, std::uint64_t size,
                                          std::uint32_t crc)
{
    BundleEntryProto entry;
    entry.set_dtype(static_cast<DataType>(tf_dtype));
    TensorShapeProto* shape = entry.mutable_shape();  // present even for scalars, as TensorFlow writes it
    for (std::int64_t d : dims) shape->add_dim()->set_size(d);
    entry.set_offset(static_cast<std::int64_t>(offset_));
    entry.set_size(static_cast<std::int64_t>(size));
    entry.set_crc32c(mask_crc(crc));
    offset_ += size;
    return entry;
}

BundleEntryProto bundle_writer::add_numeric(const std::string& what, int tf_dtype,
                                            const std::vector<std::int64_t>& dims, const void* data,
                                            std::uint64_t byte_size)
{
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
    const auto* bytes = static_cast<const char*>(data);
    std::uint32_t crc = 0;
    for (std::uint64_t done = 0; done < byte_size;) {
        const auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(io_piece_size, byte_size - done));
        crc = crc32c_extend(crc, bytes + done, piece);
        data_->write(bytes + done, piece);
        done += piece;
    }
    return entry_for(tf_dtype, dims, byte_size, crc);
}

BundleEntryProto bundle_writer::add_strings(const std::string& what, const std::vector<std::int64_t>& dims,
                                            const std::vector<std::string_view>& elements)
{
    if (element_count(what, dims) != elements.size()) {
        throw std::runtime_error("tensor '" + what + "': its shape holds " + std::to_string(element_count(what, dims)) +
                                 " strings but " + std::to_string(elements.size()) + " were given");
    }
    const encoded_strings encoded = encode_strings(elements);
    return append(DT_STRING, dims, encoded.bytes.data(), encoded.bytes.size(), encoded.crc);
}

void bundle_writer::commit(std::vector<std::pair<std::string, BundleEntryProto>> entries)
{
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    index_entries table;
    table.emplace_back("", header_bytes());
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
}

}  // namespace mlrun::tf
