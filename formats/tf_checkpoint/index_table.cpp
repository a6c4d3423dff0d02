#include "index_table.hpp"
#include "table_bounds.hpp"

#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <leveldb/table_builder.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace mlrun::tf {
namespace {

// TensorFlow's table block size; with it a bundle's entries nearly always
// fit in one data block.
constexpr std::size_t tf_block_size = 262144;

// LevelDB writes through this sink into memory; the bundle writer then
// stages and syncs the bytes itself.
class string_sink final : public leveldb::WritableFile {
public:
    explicit string_sink(std::string& out) : out_(out) {}
    leveldb::Status Append(const leveldb::Slice& data) override
    {
        out_.append(data.data(), data.size());
        return leveldb::Status::OK();
    }
    leveldb::Status Close() override { return leveldb::Status::OK(); }
    leveldb::Status Flush() override { return leveldb::Status::OK(); }
    leveldb::Status Sync() override { return leveldb::Status::OK(); }

private:
    std::string& out_;
};

// Index files are small; they are read whole and served from memory.
class string_source final : public leveldb::RandomAccessFile {
public:
    explicit string_source(const std::string& bytes) : bytes_(bytes) {}
    leveldb::Status Read(std::uint64_t offset, std::size_t n, leveldb::Slice* result, char*) const override
    {
        if (offset > bytes_.size()) {
            *result = leveldb::Slice();
            return leveldb::Status::IOError("read past the end of the index");
        }
        const std::size_t available = bytes_.size() - static_cast<std::size_t>(offset);
        *result = leveldb::Slice(bytes_.data() + offset, n < available ? n : available);
        return leveldb::Status::OK();
    }

private:
    const std::string& bytes_;
};

leveldb::Options table_options()
{
    leveldb::Options options;
    options.compression = leveldb::kNoCompression;
    options.block_size = tf_block_size;
    options.filter_policy = nullptr;
    options.paranoid_checks = true;  // verify the index block's checksum on open
    return options;
}

}  // namespace

std::string build_index_table(const index_entries& entries)
{
    std::string bytes;
    string_sink sink(bytes);
    leveldb::TableBuilder builder(table_options(), &sink);
    for (const auto& [key, value] : entries) builder.Add(key, value);
    const leveldb::Status status = builder.Finish();
    if (!status.ok()) throw std::runtime_error("cannot build the bundle index: " + status.ToString());
    return bytes;
}

index_entries read_index_table(const std::string& bytes, const std::string& path)
{
    check_table_bounds(bytes, path);
    string_source source(bytes);
    leveldb::Table* raw_table = nullptr;
    const leveldb::Status opened = leveldb::Table::Open(table_options(), &source, bytes.size(), &raw_table);
    if (!opened.ok()) {
        throw std::runtime_error(path + ": not a readable bundle index (" + std::to_string(bytes.size()) +
                                 " bytes): " + opened.ToString());
    }
    std::unique_ptr<leveldb::Table> table(raw_table);
    leveldb::ReadOptions read_options;
    read_options.verify_checksums = true;
    std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read_options));
    index_entries entries;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::string key = it->key().ToString();
        if (!entries.empty() && !(entries.back().first < key)) {
            throw std::runtime_error(path + ": keys are not in increasing order after '" + entries.back().first +
                                     "' (the index is damaged)");
        }
        entries.emplace_back(std::move(key), it->value().ToString());
    }
    if (!it->status().ok()) throw std::runtime_error(path + ": damaged bundle index: " + it->status().ToString());
    return entries;
}

}  // namespace mlrun::tf
