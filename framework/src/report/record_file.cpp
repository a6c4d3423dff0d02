#include "mlrun/report/record_file.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/report/crc32c.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace mlrun {
namespace {

void put_le(std::string& out, std::uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xffu);
}

std::uint64_t get_le(const std::string& in, std::size_t at, int bytes)
{
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) {
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)])) << (8 * i);
    }
    return value;
}

std::string hex(std::uint32_t value)
{
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%08x", value);
    return buffer;
}

}  // namespace

record_writer::record_writer(std::string path) : file_(std::move(path), appending_file::opening::create_new) {}

void record_writer::write(const std::string& data)
{
    std::string record;
    put_le(record, data.size(), 8);
    put_le(record, mask_crc32c(crc32c(record.data(), record.size())), 4);
    record += data;
    put_le(record, mask_crc32c(crc32c(data.data(), data.size())), 4);
    file_.append(record);
}

std::vector<std::string> read_records(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path + ": cannot open: " + std::strerror(errno));
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> records;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::string where = path + ": record " + std::to_string(records.size()) + " at byte " + std::to_string(at);
        if (bytes.size() - at < 12) throw io_error(where + ": expected a 12-byte header, found " +
                                                   std::to_string(bytes.size() - at) + " bytes");
        const std::uint64_t length = get_le(bytes, at, 8);
        const auto length_crc = static_cast<std::uint32_t>(get_le(bytes, at + 8, 4));
        const std::uint32_t expected_length_crc = mask_crc32c(crc32c(bytes.data() + at, 8));
        if (length_crc != expected_length_crc) {
            throw io_error(where + ": length CRC mismatch: expected " + hex(expected_length_crc) + ", found " +
                           hex(length_crc));
        }
        if (length > bytes.size() - at - 12 || bytes.size() - at - 12 - length < 4) {
            throw io_error(where + ": expected " + std::to_string(length) + " data bytes and a CRC, found " +
                           std::to_string(bytes.size() - at - 12) + " bytes");
        }
        std::string data = bytes.substr(at + 12, static_cast<std::size_t>(length));
        const auto data_crc = static_cast<std::uint32_t>(get_le(bytes, at + 12 + length, 4));
        const std::uint32_t expected_data_crc = mask_crc32c(crc32c(data.data(), data.size()));
        if (data_crc != expected_data_crc) {
            throw io_error(where + ": data CRC mismatch: expected " + hex(expected_data_crc) + ", found " +
                           hex(data_crc));
        }
        records.push_back(std::move(data));
        at += 12 + length + 4;
    }
    return records;
}

}  // namespace mlrun
