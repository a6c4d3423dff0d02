#include "mlrun/report/record_file.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/report/crc32c.hpp"

#include <cerrno>
#include <cstdint>
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

record_writer::record_writer(std::string path) : path_(std::move(path))
{
    // "x": fail rather than overwrite an existing file.
    file_ = std::fopen(path_.c_str(), "wbx");
    if (file_ == nullptr) throw io_error(path_ + ": cannot create the event file: " + std::strerror(errno));
}

record_writer::~record_writer()
{
    if (file_ != nullptr) std::fclose(file_);
}

void record_writer::write(const std::string& data)
{
    std::string header;
    put_le(header, data.size(), 8);
    put_le(header, mask_crc32c(crc32c(header.data(), header.size())), 4);
    std::string footer;
    put_le(footer, mask_crc32c(crc32c(data.data(), data.size())), 4);
    if (std::fwrite(header.data(), 1, header.size(), file_) != header.size() ||
        std::fwrite(data.data(), 1, data.size(), file_) != data.size() ||
        std::fwrite(footer.data(), 1, footer.size(), file_) != footer.size()) {
        throw io_error(path_ + ": writing a record failed: " + std::strerror(errno));
    }
}

void record_writer::flush()
{
    if (std::fflush(file_) != 0) throw io_error(path_ + ": flushing failed: " + std::strerror(errno));
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
