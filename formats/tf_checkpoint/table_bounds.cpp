#include "table_bounds.hpp"

#include <snappy.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace mlrun::tf {
namespace {

// The LevelDB table layout (spec §2): a 48-byte footer of two block handles
// and a magic number; every block followed by a type byte and a crc32c.
constexpr std::size_t footer_size = 48;
constexpr std::uint64_t table_magic = 0xdb4775248b80fb57ull;
constexpr std::size_t block_trailer_size = 5;
constexpr char snappy_type = 1;

// Reads a little-endian base-128 varint of at most `max_bytes` bytes.
std::optional<std::uint64_t> read_varint(std::string_view& in, int max_bytes)
{
    std::uint64_t value = 0;
    for (int i = 0; i < max_bytes && !in.empty(); ++i) {
        const auto byte = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        value |= std::uint64_t{byte & 0x7fu} << (7 * i);
        if ((byte & 0x80u) == 0) return value;
    }
    return std::nullopt;
}

struct block_handle {
    std::uint64_t offset;
    std::uint64_t size;
};

std::optional<block_handle> read_handle(std::string_view& in)
{
    const auto offset = read_varint(in, 10);
    const auto size = offset ? read_varint(in, 10) : std::nullopt;
    if (!size) return std::nullopt;
    return block_handle{*offset, *size};
}

class bounds_checker {
public:
    bounds_checker(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}

    // The block's contents, uncompressed; nothing when its type is one
    // LevelDB refuses by itself.
    std::optional<std::string> block(const block_handle& h, const std::string& what) const
    {
        const std::uint64_t file_size = bytes_.size();
        if (h.offset > file_size || h.size > file_size - h.offset ||
            block_trailer_size > file_size - h.offset - h.size) {
            fail(what + " at offset " + std::to_string(h.offset) + " claims " + std::to_string(h.size) +
                 " bytes, past the end of the file");
        }
        const char* data = bytes_.data() + h.offset;
        const auto size = static_cast<std::size_t>(h.size);
        const char type = data[size];
        if (type == 0) return std::string(data, size);
        if (type != snappy_type) return std::nullopt;
        std::string contents;
        // Validates the whole stream, its stated length included, before
        // anything that size is allocated.
        if (!snappy::IsValidCompressedBuffer(data, size) || !snappy::Uncompress(data, size, &contents)) {
            fail(what + " at offset " + std::to_string(h.offset) + " is not valid snappy data");
        }
        return contents;
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw std::runtime_error(path_ + ": not a readable bundle index (" + std::to_string(bytes_.size()) +
                                 " bytes): " + what);
    }

private:
    const std::string& bytes_;
    const std::string& path_;
};

// The handles an index block's entries hold, each checked with `check`.
// Parsing stops quietly where the block is malformed: LevelDB's own block
// reader reports that as corruption.
template <class Check>
void for_each_handle(const std::string& block, Check&& check)
{
    if (block.size() < 4) return;
    std::uint32_t restarts = 0;
    std::memcpy(&restarts, block.data() + block.size() - 4, 4);  // little-endian hosts only, as LevelDB
    if (restarts > (block.size() - 4) / 4) return;
    std::string_view in(block.data(), block.size() - 4 - 4 * std::size_t{restarts});
    std::uint64_t key_size = 0;
    while (!in.empty()) {
        const auto shared = read_varint(in, 5);
        const auto unshared = shared ? read_varint(in, 5) : std::nullopt;
        const auto value_size = unshared ? read_varint(in, 5) : std::nullopt;
        if (!value_size || *shared > key_size || *unshared > in.size() || *value_size > in.size() - *unshared) return;
        key_size = *shared + *unshared;
        in.remove_prefix(static_cast<std::size_t>(*unshared));
        std::string_view value = in.substr(0, static_cast<std::size_t>(*value_size));
        in.remove_prefix(static_cast<std::size_t>(*value_size));
        const auto handle = read_handle(value);
        if (!handle) return;
        check(*handle);
    }
}

}  // namespace

void check_table_bounds(const std::string& bytes, const std::string& path)
{
    if (bytes.size() < footer_size) return;
    std::string_view footer(bytes.data() + bytes.size() - footer_size, footer_size);
    std::uint64_t magic = 0;
    std::memcpy(&magic, footer.data() + footer_size - 8, 8);
    if (magic != table_magic) return;
    const auto metaindex = read_handle(footer);
    const auto index = metaindex ? read_handle(footer) : std::nullopt;
    if (!index) return;

    const bounds_checker checker(bytes, path);
    const std::optional<std::string> index_block = checker.block(*index, "the index block");
    if (!index_block) return;
    int n = 0;
    for_each_handle(*index_block, [&](const block_handle& h) { checker.block(h, "data block " + std::to_string(n++)); });
}

}  // namespace mlrun::tf
