#include "file_seal.hpp"

#include "h5_io.hpp"

#include "mlrun/checksum/crc32c.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace mlrun::keras_h5 {
namespace {

constexpr char magic[] = "mlrun-h5-crc32c\n";
constexpr std::size_t magic_size = sizeof magic - 1;  // 16, no terminator
constexpr std::uint32_t seal_version = 1;

// Large reads keep the three-stream CRC at full speed.
constexpr std::size_t chunk_size = std::size_t{4} << 20;

struct crc_and_size {
    std::uint64_t size = 0;
    std::uint32_t crc = 0;
};

// CRC32C of everything in `fd` from `offset` to its end.
crc_and_size checksum_from(int fd, std::uint64_t offset, const std::string& name)
{
    std::vector<unsigned char> buffer(chunk_size);
    crc_and_size result;
    for (;;) {
        const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset + result.size));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw format_error(name + ": read failed: " + std::strerror(errno));
        }
        if (n == 0) return result;
        result.crc = checksum::crc32c_extend(result.crc, buffer.data(), static_cast<std::size_t>(n));
        result.size += static_cast<std::uint64_t>(n);
    }
}

template <typename T>
void put_le(unsigned char* at, T value)
{
    for (std::size_t i = 0; i < sizeof(T); ++i) at[i] = static_cast<unsigned char>(value >> (8 * i));
}

template <typename T>
T get_le(const unsigned char* at)
{
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>(value | static_cast<T>(at[i]) << (8 * i));
    return value;
}

}  // namespace

void seal_file(int fd, const std::string& name)
{
    const crc_and_size rest = checksum_from(fd, seal_block_size, name);
    std::array<unsigned char, seal_block_size> block{};
    std::memcpy(block.data(), magic, magic_size);
    put_le<std::uint32_t>(block.data() + 16, seal_version);
    put_le<std::uint64_t>(block.data() + 20, rest.size);
    put_le<std::uint32_t>(block.data() + 28, rest.crc);
    if (::pwrite(fd, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size())) {
        throw format_error(name + ": cannot write the checksum block: " + std::strerror(errno));
    }
}

void seal_image(std::vector<unsigned char>& bytes, const std::string& name)
{
    if (bytes.size() < seal_block_size) throw format_error(name + ": no room for the checksum block");
    const std::uint64_t covered = bytes.size() - seal_block_size;
    const std::uint32_t crc = checksum::crc32c_extend(0, bytes.data() + seal_block_size, static_cast<std::size_t>(covered));
    std::fill(bytes.begin(), bytes.begin() + seal_block_size, 0);
    std::memcpy(bytes.data(), magic, magic_size);
    put_le<std::uint32_t>(bytes.data() + 16, seal_version);
    put_le<std::uint64_t>(bytes.data() + 20, covered);
    put_le<std::uint32_t>(bytes.data() + 28, crc);
}

seal_state check_seal(const std::vector<unsigned char>& bytes)
{
    if (bytes.size() < magic_size || std::memcmp(bytes.data(), magic, magic_size) != 0) return {};
    if (bytes.size() < 32) {
        throw format_error("file changed after it was written: only " + std::to_string(bytes.size()) +
                           " bytes are left of its 512-byte checksum block");
    }
    const auto version = get_le<std::uint32_t>(bytes.data() + 16);
    if (version != seal_version) {
        throw format_error("checksum block version " + std::to_string(version) + ", expected " +
                           std::to_string(seal_version) + " (damaged, or written by a newer mlrun)");
    }
    seal_state state{true, get_le<std::uint64_t>(bytes.data() + 20), get_le<std::uint32_t>(bytes.data() + 28)};
    crc_and_size found;
    if (bytes.size() > seal_block_size) {
        found.size = bytes.size() - seal_block_size;
        found.crc = checksum::crc32c_extend(0, bytes.data() + seal_block_size, static_cast<std::size_t>(found.size));
    }
    if (found.size != state.covered || found.crc != state.crc) {
        throw format_error("file changed after it was written: " + std::to_string(found.size) +
                           " bytes after the checksum block, CRC32C " + checksum::crc_hex(found.crc) + ", expected " +
                           std::to_string(state.covered) + " bytes, CRC32C " + checksum::crc_hex(state.crc));
    }
    return state;
}

seal_state check_seal(const std::string& path)
{
    std::vector<unsigned char> bytes;
    try {
        bytes = read_snapshot(path);
    } catch (const format_error&) {
        return {};  // the reader says why it cannot read the file
    }
    return check_seal(bytes);
}

std::string describe(const seal_state& state)
{
    if (!state.sealed) {
        return "none (not written by mlrun, or its checksum block is damaged); libhdf5 read it in a separate "
               "process first";
    }
    return "crc32c " + checksum::crc_hex(state.crc) + " of the " + std::to_string(state.covered) +
           " bytes after the checksum block: matches";
}

}  // namespace mlrun::keras_h5
