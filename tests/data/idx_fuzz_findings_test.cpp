// Inputs the idx fuzzer (tests/fuzz/idx_fuzzer.cpp) found, each fed to the
// same code and expected to end in a clear data_error (docs/fuzzing.md).
#include <boost/test/unit_test.hpp>

#include "mlrun/data/dataset.hpp"
#include "mlrun/data/idx.hpp"
#include "support/temp_files.hpp"

#include <zlib.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;

// An IDX header: 00 00 type rank, then each dimension big-endian.
bytes idx_header(std::uint8_t type, const std::vector<std::uint32_t>& dims)
{
    bytes b{0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (std::uint32_t d : dims) {
        for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
    }
    return b;
}

bytes operator+(bytes a, const bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::string text(const bytes& b) { return std::string(b.begin(), b.end()); }

// The data_error's message; fails the test when something else happens.
std::string data_error_of(const std::function<void()>& body)
{
    try {
        body();
    } catch (const mlrun::data_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected a data_error");
    return {};
}

mlrun::data_options in(const mlrun::testing::temp_directory& dir)
{
    mlrun::data_options options;
    options.kind = "idx";
    options.path = dir.path.string();
    return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx_fuzz_findings)

// A label of 3e9 (or NaN) as f32 was converted to int32 before it was
// checked: undefined behaviour. Now it is refused by value.
BOOST_AUTO_TEST_CASE(float_label_outside_int32_is_a_clear_error)
{
    mlrun::testing::temp_directory dir;
    dir.write("images", text(idx_header(0x08, {1, 1}) + bytes{5}));
    dir.write("labels", text(idx_header(0x0D, {1}) + bytes{0x4f, 0x32, 0xd0, 0x5e}));  // 3e9f
    BOOST_TEST(data_error_of([&] { mlrun::load_idx_dataset(in(dir), "images", "labels", 0, "fuzz"); })
                   .find("labels: label 0 is 3000000000.000000, expected a whole class index") != std::string::npos);

    dir.write("labels", text(idx_header(0x0D, {1}) + bytes{0x7f, 0xc0, 0x00, 0x00}));  // NaN
    BOOST_TEST(data_error_of([&] { mlrun::load_idx_dataset(in(dir), "images", "labels", 0, "fuzz"); })
                   .find("label 0 is nan") != std::string::npos);
}

// Images of shape 1 x (2^32-1) x (2^32-1) x 0 hold no data, so the file is
// valid, but the sample size overflowed int64 while it was multiplied out.
BOOST_AUTO_TEST_CASE(empty_samples_with_huge_dimensions_are_a_clear_error)
{
    mlrun::testing::temp_directory dir;
    dir.write("images", text(idx_header(0x08, {1, 0xffffffff, 0xffffffff, 0})));
    dir.write("labels", text(idx_header(0x08, {1}) + bytes{0}));
    const std::string message =
        data_error_of([&] { mlrun::load_idx_dataset(in(dir), "images", "labels", 0, "fuzz"); });
    BOOST_TEST(message.find("images: samples of shape (4294967295, 4294967295, 0) have more elements") !=
               std::string::npos, message);
}

// A small gzip file whose header claims 4 GiB allocated 16 MiB at a time
// before finding out; now the claim is refused before any allocation.
BOOST_AUTO_TEST_CASE(gzip_header_claiming_more_than_the_file_can_hold_fails_before_allocating)
{
    mlrun::testing::temp_directory dir;
    const std::string path = (dir.path / "huge.idx.gz").string();
    const bytes raw = idx_header(0x08, {0xffffffff}) + bytes{1, 2, 3};
    gzFile out = gzopen(path.c_str(), "wb");
    BOOST_REQUIRE(out != nullptr);
    BOOST_REQUIRE_EQUAL(gzwrite(out, raw.data(), static_cast<unsigned>(raw.size())), static_cast<int>(raw.size()));
    BOOST_REQUIRE_EQUAL(gzclose(out), Z_OK);
    const std::string message = data_error_of([&] { mlrun::read_idx(path); });
    BOOST_TEST(message.find("truncated: header says 4294967295 = 4294967295 bytes of data, more than a gzip file of "
                            "this size can hold") != std::string::npos, message);
}

BOOST_AUTO_TEST_SUITE_END()
