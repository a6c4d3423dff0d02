#include "string_tensor.hpp"

#include "crc32c.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace mlrun::tf {
namespace {

void put_varint64(std::string& out, std::uint64_t value)
{
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

bool get_varint64(const std::string& in, std::size_t& pos, std::uint64_t& value)
{
    value = 0;
    for (int shift = 0; shift <= 63 && pos < in.size(); shift += 7) {
        const auto byte = static_cast<unsigned char>(in[pos++]);
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return true;
    }
    return false;
}

// The crc covers each length as a little-endian uint32 when it fits, else
// as a uint64 -- not the varint bytes.
std::uint32_t extend_with_length(std::uint32_t crc, std::uint64_t length)
{
    if (length <= std::numeric_limits<std::uint32_t>::max()) {
        const auto narrow = static_cast<std::uint32_t>(length);
        return crc32c_extend(crc, &narrow, sizeof narrow);
    }
    return crc32c_extend(crc, &length, sizeof length);
}

}  // namespace

encoded_strings encode_strings(const std::vector<std::string_view>& elements)
{
    encoded_strings result;
    std::uint32_t crc = 0;
    for (std::string_view s : elements) {
        put_varint64(result.bytes, s.size());
        crc = extend_with_length(crc, s.size());
    }
    const std::uint32_t length_checksum = mask_crc(crc);
    char stored[4];
    std::memcpy(stored, &length_checksum, sizeof stored);
    result.bytes.append(stored, sizeof stored);
    crc = crc32c_extend(crc, stored, sizeof stored);
    for (std::string_view s : elements) {
        result.bytes.append(s.data(), s.size());
        crc = crc32c_extend(crc, s.data(), s.size());
    }
    result.crc = crc;
    return result;
}

std::vector<std::string> decode_strings(const std::string& bytes, std::uint64_t count, std::uint32_t masked_crc,
                                        const std::string& what)
{
    std::size_t pos = 0;
    std::vector<std::uint64_t> lengths;
    std::uint32_t crc = 0;
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        std::uint64_t length = 0;
        if (!get_varint64(bytes, pos, length) || length > bytes.size() - total) {
            throw std::runtime_error(what + ": string element " + std::to_string(i) +
                                     " has a damaged or impossible length (the data is corrupt)");
        }
        lengths.push_back(length);
        total += length;
        crc = extend_with_length(crc, length);
    }
    if (bytes.size() - pos < 4) throw std::runtime_error(what + ": string tensor is cut short (no length checksum)");
    std::uint32_t stored_length_checksum = 0;
    std::memcpy(&stored_length_checksum, bytes.data() + pos, 4);
    if (unmask_crc(stored_length_checksum) != crc) {
        throw std::runtime_error(what + ": checksum mismatch in the string lengths: stored " +
                                 crc_hex(unmask_crc(stored_length_checksum)) + ", computed " + crc_hex(crc) +
                                 "; the file is damaged");
    }
    crc = crc32c_extend(crc, bytes.data() + pos, 4);
    pos += 4;
    if (bytes.size() - pos != total) {
        throw std::runtime_error(what + ": the string lengths add up to " + std::to_string(total) + " bytes but " +
                                 std::to_string(bytes.size() - pos) + " follow them");
    }
    crc = crc32c_extend(crc, bytes.data() + pos, bytes.size() - pos);
    if (crc != unmask_crc(masked_crc)) {
        throw std::runtime_error(what + ": checksum mismatch: stored crc32c " + crc_hex(unmask_crc(masked_crc)) +
                                 ", computed " + crc_hex(crc) + "; the file is damaged");
    }
    std::vector<std::string> elements;
    elements.reserve(lengths.size());
    for (std::uint64_t length : lengths) {
        elements.emplace_back(bytes, pos, length);
        pos += length;
    }
    return elements;
}

}  // namespace mlrun::tf
