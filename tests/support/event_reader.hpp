// An event-file reader for tests, independent of the library's: the
// record framing parsed by hand, CRC-32C computed bit by bit from its
// definition, and Event/Summary messages decoded straight from the
// protobuf wire format (field numbers of TensorFlow's event.proto and
// summary.proto). Failures are Boost.Test failures naming what is wrong.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mlrun::testing {

// CRC-32C: reflected polynomial 0x82f63b78, initial and final value ~0.
inline std::uint32_t bitwise_crc32c(const std::string& bytes)
{
    std::uint32_t crc = 0xffffffffu;
    for (unsigned char byte : bytes) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

inline std::uint32_t masked(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

inline std::uint64_t little_endian(const std::string& bytes, std::size_t at, int count)
{
    std::uint64_t v = 0;
    for (int i = count - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    return v;
}

// Splits a file into records: uint64 length, uint32 masked CRC of the
// length bytes, the data, uint32 masked CRC of the data.
inline std::vector<std::string> parse_records(const std::string& file)
{
    std::vector<std::string> records;
    std::size_t at = 0;
    while (at < file.size()) {
        BOOST_TEST_REQUIRE(file.size() - at >= 12u, "a record header is cut at byte " << at);
        const std::uint64_t length = little_endian(file, at, 8);
        BOOST_TEST_REQUIRE(little_endian(file, at + 8, 4) == masked(bitwise_crc32c(file.substr(at, 8))),
                           "length CRC of the record at byte " << at);
        BOOST_TEST_REQUIRE(file.size() - at - 12 >= length + 4, "the record at byte " << at << " is cut");
        const std::string data = file.substr(at + 12, length);
        BOOST_TEST_REQUIRE(little_endian(file, at + 12 + length, 4) == masked(bitwise_crc32c(data)),
                           "data CRC of the record at byte " << at);
        records.push_back(data);
        at += 12 + length + 4;
    }
    return records;
}

struct decoded_value {
    std::string tag;
    float value = 0.0f;
    bool present = false;  // simple_value was on the wire (proto3 drops unset fields)
};

struct decoded_event {
    double wall_time = 0.0;
    std::int64_t step = 0;
    std::string file_version;
    std::vector<decoded_value> values;  // Summary.Value
};

// Protobuf wire format: a message is (key varint = field << 3 | wire type,
// payload)*; wire type 0 varint, 1 fixed 64 bits, 2 length-delimited,
// 5 fixed 32 bits.
class wire_reader {
public:
    explicit wire_reader(const std::string& bytes) : bytes_(bytes) {}
    bool done() const { return at_ >= bytes_.size(); }
    std::uint64_t varint()
    {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            BOOST_TEST_REQUIRE(at_ < bytes_.size(), "a varint runs past the message");
            const auto byte = static_cast<unsigned char>(bytes_[at_++]);
            v |= static_cast<std::uint64_t>(byte & 0x7fu) << shift;
            if ((byte & 0x80u) == 0) return v;
        }
        BOOST_FAIL("a varint longer than 10 bytes");
        return 0;
    }
    std::string take(std::size_t n)
    {
        BOOST_TEST_REQUIRE(bytes_.size() - at_ >= n, "a field runs past the message");
        std::string s = bytes_.substr(at_, n);
        at_ += n;
        return s;
    }
    void skip(int wire_type)
    {
        switch (wire_type) {
        case 0: varint(); break;
        case 1: take(8); break;
        case 2: take(static_cast<std::size_t>(varint())); break;
        case 5: take(4); break;
        default: BOOST_FAIL("unknown wire type " << wire_type);
        }
    }

private:
    const std::string& bytes_;
    std::size_t at_ = 0;
};

inline void decode_value(const std::string& bytes, decoded_event& event)
{
    wire_reader r(bytes);
    decoded_value value;
    while (!r.done()) {
        const std::uint64_t key = r.varint();
        const int field = static_cast<int>(key >> 3);
        const int wire = static_cast<int>(key & 7u);
        if (field == 1 && wire == 2) {
            value.tag = r.take(static_cast<std::size_t>(r.varint()));
        } else if (field == 2 && wire == 5) {
            const auto bits = static_cast<std::uint32_t>(little_endian(r.take(4), 0, 4));
            std::memcpy(&value.value, &bits, 4);
            value.present = true;
        } else {
            r.skip(wire);
        }
    }
    event.values.push_back(value);
}

inline decoded_event decode_event(const std::string& bytes)
{
    decoded_event event;
    wire_reader r(bytes);
    while (!r.done()) {
        const std::uint64_t key = r.varint();
        const int field = static_cast<int>(key >> 3);
        const int wire = static_cast<int>(key & 7u);
        if (field == 1 && wire == 1) {
            const std::uint64_t bits = little_endian(r.take(8), 0, 8);
            std::memcpy(&event.wall_time, &bits, 8);
        } else if (field == 2 && wire == 0) {
            event.step = static_cast<std::int64_t>(r.varint());
        } else if (field == 3 && wire == 2) {
            event.file_version = r.take(static_cast<std::size_t>(r.varint()));
        } else if (field == 5 && wire == 2) {
            const std::string summary = r.take(static_cast<std::size_t>(r.varint()));
            wire_reader s(summary);
            while (!s.done()) {
                const std::uint64_t k = s.varint();
                if ((k >> 3) == 1 && (k & 7u) == 2) {
                    decode_value(s.take(static_cast<std::size_t>(s.varint())), event);
                } else {
                    s.skip(static_cast<int>(k & 7u));
                }
            }
        } else {
            r.skip(wire);
        }
    }
    return event;
}

inline std::vector<decoded_event> decode_events(const std::string& file)
{
    std::vector<decoded_event> events;
    for (const std::string& record : parse_records(file)) events.push_back(decode_event(record));
    return events;
}

}  // namespace mlrun::testing
