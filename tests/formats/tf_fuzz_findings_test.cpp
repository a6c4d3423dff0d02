// Inputs the tf_checkpoint fuzzer (tests/fuzz/tf_checkpoint_fuzzer.cpp)
// found, fed to the plugin through mlrun::format and expected to end in a
// clear io_error (docs/fuzzing.md).
#include "crc32c.hpp"
#include "tf_test_support.hpp"

#include "mlrun/core/error.hpp"

#include <cstdint>
#include <string>

namespace {

using namespace mlrun::tf_testing;

std::string varint(std::uint64_t v)
{
    std::string out;
    for (; v >= 0x80; v >>= 7) out += static_cast<char>(v | 0x80);
    return out + static_cast<char>(v);
}

std::string fixed32(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

// A LevelDB block as stored: contents, type byte 0 (uncompressed), masked crc32c.
std::string stored_block(const std::string& contents)
{
    const std::string typed = contents + '\0';
    return typed + fixed32(mlrun::tf::mask_crc(mlrun::tf::crc32c(typed.data(), typed.size())));
}

// A block of (key, value) entries, each its own restart point.
std::string block_of(const std::vector<std::pair<std::string, std::string>>& entries)
{
    std::string body;
    std::string restarts;
    for (const auto& [key, value] : entries) {
        restarts += fixed32(static_cast<std::uint32_t>(body.size()));
        body += varint(0) + varint(key.size()) + varint(value.size()) + key + value;
    }
    if (entries.empty()) restarts = fixed32(0);
    return body + restarts + fixed32(static_cast<std::uint32_t>(restarts.size() / 4));
}

// The 48-byte table footer: two handles, zero padding, the magic number.
std::string footer(std::uint64_t meta_offset, std::uint64_t meta_size, std::uint64_t index_offset,
                   std::uint64_t index_size)
{
    std::string handles = varint(meta_offset) + varint(meta_size) + varint(index_offset) + varint(index_size);
    handles.resize(40, '\0');
    return handles + fixed32(0x8b80fb57u) + fixed32(0xdb477524u);
}

// VersionDef{producer: 1} as the header's field 3.
const std::string producer_1 = std::string("\x1a\x02\x08\x01", 4);

// A whole index table whose one data block holds only the header entry.
std::string index_with_header(const std::string& header)
{
    const std::string data = stored_block(block_of({{"", header}}));
    const std::string meta = stored_block(block_of({}));
    const std::string index_block = stored_block(block_of({{"a", varint(0) + varint(data.size() - 5)}}));
    return data + meta + index_block +
           footer(data.size(), meta.size() - 5, data.size() + meta.size(), index_block.size() - 5);
}

std::string io_error_of(const std::string& prefix)
{
    try {
        tf_format().load(prefix);
    } catch (const mlrun::io_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected an io_error");
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tf_fuzz_findings)

// The fuzzer's input: a real index whose footer says the index block is
// 61361544922923007 bytes long. LevelDB allocated that much before reading
// (an abort under the address sanitizer, bad_alloc or a huge allocation
// without); now the size is checked against the file first.
BOOST_AUTO_TEST_CASE(an_index_block_handle_past_the_end_is_a_clear_error, *needs_interop_fixtures())
{
    temp_dir dir;
    const std::string from = fixture("tf2-keras-subclassed-save-weights/my_checkpoint");
    std::string index = file_bytes(from + ".index");
    BOOST_REQUIRE_EQUAL(index.size(), 503u);
    // The fixture's footer: metaindex at 422 (8 bytes), index block at 435 (15 bytes).
    index.replace(index.size() - 48, 48, footer(422, 8, 435, 61361544922923007ull));
    write_bytes(dir.path("ckpt.index"), index);
    write_bytes(dir.path("ckpt.data-00000-of-00001"), file_bytes(from + ".data-00000-of-00001"));
    const std::string message = io_error_of(dir.path("ckpt"));
    BOOST_TEST(message.find("ckpt.index: not a readable bundle index (503 bytes): the index block at offset 435 "
                            "claims 61361544922923007 bytes, past the end of the file") != std::string::npos,
               message);
}

// The same for a data block: a well-formed table (checksums right) whose
// index block points at a data block of 2^50 bytes.
BOOST_AUTO_TEST_CASE(a_data_block_handle_past_the_end_is_a_clear_error)
{
    temp_dir dir;
    const std::string data = stored_block(block_of({{"", "header"}}));
    const std::string meta = stored_block(block_of({}));
    const std::string index_block = stored_block(block_of({{"a", varint(0) + varint(std::uint64_t{1} << 50)}}));
    const std::string table = data + meta + index_block +
                              footer(data.size(), meta.size() - 5, data.size() + meta.size(), index_block.size() - 5);
    write_bytes(dir.path("ckpt.index"), table);
    write_bytes(dir.path("ckpt.data-00000-of-00001"), "");
    const std::string message = io_error_of(dir.path("ckpt"));
    BOOST_TEST(message.find("data block 0 at offset 0 claims 1125899906842624 bytes, past the end of the file") !=
                   std::string::npos,
               message);
}

// A header whose num_shards (an int32 field) holds the varint 2^40: read as
// an int32 it was 0, and the error said "num_shards is 0". The reader now
// reports the number written and its limit.
BOOST_AUTO_TEST_CASE(a_huge_num_shards_is_reported_as_written_and_refused)
{
    temp_dir dir;
    write_bytes(dir.path("ckpt.index"), index_with_header("\x08" + varint(std::uint64_t{1} << 40) + producer_1));
    write_bytes(dir.path("ckpt.data-00000-of-00001"), "");
    const std::string message = io_error_of(dir.path("ckpt"));
    BOOST_TEST(message.find(dir.path("ckpt.index") + ": bad header: num_shards is 1099511627776, expected 1 to 99999") !=
                   std::string::npos,
               message);
}

// 2^32 + 1 read as an int32 is 1, a valid count: the bundle opened as if it
// had one shard.
BOOST_AUTO_TEST_CASE(a_num_shards_past_int32_is_not_read_as_its_low_bits)
{
    temp_dir dir;
    write_bytes(dir.path("ckpt.index"), index_with_header("\x08" + varint((std::uint64_t{1} << 32) + 1) + producer_1));
    write_bytes(dir.path("ckpt.data-00000-of-00001"), "");
    const std::string message = io_error_of(dir.path("ckpt"));
    BOOST_TEST(message.find("num_shards is 4294967297, expected 1 to 99999") != std::string::npos, message);
}

BOOST_AUTO_TEST_SUITE_END()
