// crc32c as the bundle format defines it (spec §1, §4.3).
#include <boost/test/unit_test.hpp>

#include "crc32c.hpp"

#include <cstring>
#include <string>
#include <vector>

using namespace mlrun::tf;

BOOST_AUTO_TEST_SUITE(crc32c_checksums)

BOOST_AUTO_TEST_CASE(the_standard_check_value)
{
    BOOST_TEST(crc32c("123456789", 9) == 0xe3069283u);
    BOOST_TEST(crc32c("", 0) == 0u);
    BOOST_TEST(crc_hex(0x1f273806u) == "0x1f273806");
}

BOOST_AUTO_TEST_CASE(masked_values_match_tensorflows_files)
{
    // Stored checksums of scalar floats seen in the fixtures (spec §4.3).
    const std::pair<float, std::uint32_t> known[] = {
        {0.5f, 0x1f273806u}, {2.0f, 0x4f78fd10u}, {3.0f, 0xc382d6efu}, {0.0f, 0x3a117ba6u},
        {0.9f, 0xdfc7ebfdu}, {0.001f, 0x3255cb69u}};
    for (const auto& [value, stored] : known) {
        BOOST_TEST_CONTEXT(value)
        {
            BOOST_TEST(mask_crc(crc32c(&value, sizeof value)) == stored);
            BOOST_TEST(unmask_crc(stored) == crc32c(&value, sizeof value));
        }
    }
}

BOOST_AUTO_TEST_CASE(long_inputs_agree_with_byte_by_byte_extension)
{
    // Lengths around the three-stream rounds (3 x 8192 bytes) and odd ends,
    // at an odd alignment, against one byte at a time.
    std::vector<unsigned char> data(3 * 8192 * 3 + 64);
    std::uint32_t x = 12345;
    for (unsigned char& b : data) {
        x = x * 1103515245u + 12345u;
        b = static_cast<unsigned char>(x >> 16);
    }
    const unsigned char* base = data.data() + 1;
    for (std::size_t length : {std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{9}, std::size_t{24575},
                               std::size_t{24576}, std::size_t{24577}, std::size_t{49152 + 13}, data.size() - 1}) {
        BOOST_TEST_CONTEXT("length " << length)
        {
            std::uint32_t reference = 0;
            for (std::size_t i = 0; i < length; ++i) reference = crc32c_extend(reference, base + i, 1);
            BOOST_TEST(crc32c(base, length) == reference);
            const std::size_t split = length / 3;
            BOOST_TEST(crc32c_extend(crc32c(base, split), base + split, length - split) == reference);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
