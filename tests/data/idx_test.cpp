#define BOOST_TEST_MODULE idx
#include <boost/test/unit_test.hpp>

#include "mlrun/data/idx.hpp"

#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using mlrun::data_error;
using mlrun::idx_array;
using mlrun::idx_type;

namespace {

const char* const fashion_labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

// A fresh directory per test, removed afterwards.
struct temp_dir {
    fs::path dir;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "mlrun-idx-test-XXXXXX").string();
        BOOST_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        dir = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string path(const std::string& name) const { return (dir / name).string(); }
};

using bytes = std::vector<std::uint8_t>;

void write_file(const std::string& path, const bytes& content) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
    BOOST_REQUIRE(out.good());
}

bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), {});
}

template <class T>
idx_array make_array(idx_type type, std::vector<std::size_t> dims, const std::vector<T>& values) {
    idx_array a;
    a.type = type;
    a.dims = std::move(dims);
    a.data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(a.data.data(), values.data(), a.data.size());
    return a;
}

template <class T>
std::vector<T> values_of(const idx_array& a) {
    BOOST_REQUIRE_EQUAL(a.data.size() % sizeof(T), 0u);
    std::vector<T> v(a.data.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), a.data.data(), a.data.size());
    return v;
}

// Pattern values that exercise sign and every byte of each element.
template <class T>
std::vector<T> pattern(std::size_t n) {
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double x = (static_cast<double>(i) * 37.25 - 100.0) * (i % 2 ? -1 : 1);
        if constexpr (std::is_floating_point_v<T>)
            v[i] = static_cast<T>(x / 3.0);
        else
            v[i] = static_cast<T>(static_cast<long long>(x * 1000003.0));
    }
    return v;
}

std::size_t product(const std::vector<std::size_t>& dims) {
    std::size_t n = 1;
    for (std::size_t d : dims) n *= d;
    return n;
}

// Runs fn, requires a data_error, and returns its message.
std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const data_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected mlrun::data_error, nothing was thrown");
    return {};
}

void check_contains(const std::string& message, const std::string& part) {
    BOOST_TEST_INFO("message: " << message);
    BOOST_CHECK(message.find(part) != std::string::npos);
}

// IDX header for the given type code and dims.
bytes header(std::uint8_t type, const std::vector<std::uint32_t>& dims) {
    bytes h{0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8) h.push_back(static_cast<std::uint8_t>(d >> shift));
    return h;
}

bytes concat(bytes a, const bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

template <class T>
void check_round_trip(idx_type type) {
    const std::vector<std::vector<std::size_t>> shapes{{7}, {3, 4}, {2, 3, 5}, {2, 1, 3, 2}, {0, 4}};
    for (const auto& dims : shapes) {
        for (const char* name : {"a.idx", "a.idx.gz"}) {
            temp_dir tmp;
            const std::string path = tmp.path(name);
            const idx_array in = make_array(type, dims, pattern<T>(product(dims)));
            mlrun::write_idx(path, in);
            const idx_array out = mlrun::read_idx(path);
            BOOST_TEST_INFO(name << " " << mlrun::idx_type_name(type) << " rank " << dims.size());
            BOOST_CHECK(out.type == type);
            BOOST_CHECK(out.dims == dims);
            BOOST_CHECK(out.data == in.data);
            BOOST_CHECK_EQUAL(out.element_count(), product(dims));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_all_types) {
    check_round_trip<std::uint8_t>(idx_type::u8);
    check_round_trip<std::int8_t>(idx_type::i8);
    check_round_trip<std::int16_t>(idx_type::i16);
    check_round_trip<std::int32_t>(idx_type::i32);
    check_round_trip<float>(idx_type::f32);
    check_round_trip<double>(idx_type::f64);
}

BOOST_AUTO_TEST_CASE(large_round_trip_crosses_read_chunks) {
    // Bigger than the reader's 16 MiB chunks, and not a multiple of them.
    const std::size_t rows = 5000, cols = 1000;
    std::vector<float> values(rows * cols);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 251) - 125.5f;
    const idx_array in = make_array(idx_type::f32, {rows, cols}, values);
    for (const char* name : {"big.idx", "big.idx.gz"}) {
        temp_dir tmp;
        mlrun::write_idx(tmp.path(name), in);
        const idx_array out = mlrun::read_idx(tmp.path(name));
        BOOST_TEST_INFO(name);
        BOOST_CHECK(out.data == in.data);
    }
}

BOOST_AUTO_TEST_CASE(written_files_are_big_endian) {
    temp_dir tmp;
    const std::string path = tmp.path("x.idx");
    mlrun::write_idx(path, make_array(idx_type::i32, {2}, std::vector<std::int32_t>{0x01020304, -2}));
    const bytes expected = concat(header(0x0C, {2}), {1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe});
    BOOST_CHECK(read_file(path) == expected);

    mlrun::write_idx(path, make_array(idx_type::f32, {1}, std::vector<float>{1.0f}));
    BOOST_CHECK(read_file(path) == concat(header(0x0D, {1}), {0x3f, 0x80, 0, 0}));
}

BOOST_AUTO_TEST_CASE(gzip_output_has_no_timestamp) {
    temp_dir tmp;
    const std::string path = tmp.path("x.idx.gz");
    mlrun::write_idx(path, make_array(idx_type::u8, {3}, std::vector<std::uint8_t>{1, 2, 3}));
    const bytes gz = read_file(path);
    BOOST_REQUIRE(gz.size() > 10);
    BOOST_CHECK_EQUAL(gz[0], 0x1f);
    BOOST_CHECK_EQUAL(gz[1], 0x8b);
    BOOST_CHECK(bytes(gz.begin() + 4, gz.begin() + 8) == bytes(4, 0));  // mtime
}

BOOST_AUTO_TEST_CASE(reads_hand_written_file) {
    temp_dir tmp;
    const std::string path = tmp.path("good.idx");
    write_file(path, concat(header(0x08, {2, 3}), {0, 1, 2, 253, 254, 255}));
    const idx_array a = mlrun::read_idx(path);
    BOOST_CHECK(a.type == idx_type::u8);
    BOOST_CHECK((a.dims == std::vector<std::size_t>{2, 3}));
    BOOST_CHECK((values_of<std::uint8_t>(a) == std::vector<std::uint8_t>{0, 1, 2, 253, 254, 255}));

    write_file(path, concat(header(0x0C, {1}), {0x01, 0x02, 0x03, 0x04}));
    BOOST_CHECK_EQUAL(values_of<std::int32_t>(mlrun::read_idx(path))[0], 0x01020304);
}

BOOST_AUTO_TEST_CASE(compression_is_detected_by_content_not_name) {
    temp_dir tmp;
    const idx_array a = make_array(idx_type::i16, {4}, pattern<std::int16_t>(4));
    mlrun::write_idx(tmp.path("c.gz"), a);
    fs::rename(tmp.path("c.gz"), tmp.path("c.idx"));
    BOOST_CHECK(mlrun::read_idx(tmp.path("c.idx")).data == a.data);

    mlrun::write_idx(tmp.path("r.idx"), a);
    fs::rename(tmp.path("r.idx"), tmp.path("r.gz"));
    BOOST_CHECK(mlrun::read_idx(tmp.path("r.gz")).data == a.data);
}

BOOST_AUTO_TEST_CASE(missing_file) {
    temp_dir tmp;
    const std::string path = tmp.path("nope.idx.gz");
    BOOST_CHECK_EQUAL(error_of([&] { mlrun::read_idx(path); }),
                      "cannot open " + path + ": No such file or directory");
}

BOOST_AUTO_TEST_CASE(empty_file) {
    temp_dir tmp;
    const std::string path = tmp.path("empty.idx");
    write_file(path, {});
    BOOST_CHECK_EQUAL(error_of([&] { mlrun::read_idx(path); }), path + ": empty file (expected an IDX header)");
}

BOOST_AUTO_TEST_CASE(wrong_magic) {
    temp_dir tmp;
    const std::string path = tmp.path("bad.idx");
    write_file(path, {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7});
    BOOST_CHECK_EQUAL(error_of([&] { mlrun::read_idx(path); }),
                      path + ": not an IDX file: magic bytes 12 34 (expected 00 00 then a type code and a rank)");
}

BOOST_AUTO_TEST_CASE(unknown_type_code) {
    temp_dir tmp;
    const std::string path = tmp.path("bad.idx");
    write_file(path, concat(header(0x0A, {1}), {7}));
    const std::string message = error_of([&] { mlrun::read_idx(path); });
    check_contains(message, path + ": unknown IDX type code 0x0a");
}

BOOST_AUTO_TEST_CASE(bad_rank) {
    temp_dir tmp;
    const std::string path = tmp.path("bad.idx");
    write_file(path, {0, 0, 0x08, 0});
    check_contains(error_of([&] { mlrun::read_idx(path); }), path + ": unsupported rank 0 (expected 1 to 8)");
    write_file(path, concat(header(0x08, {1, 1, 1, 1, 1, 1, 1, 1, 1}), {7}));
    check_contains(error_of([&] { mlrun::read_idx(path); }), path + ": unsupported rank 9");
}

BOOST_AUTO_TEST_CASE(truncated_header) {
    temp_dir tmp;
    const std::string path = tmp.path("short.idx");
    write_file(path, {0, 0, 0x08});
    check_contains(error_of([&] { mlrun::read_idx(path); }), path + ": truncated: file ends after 3 of the 4");

    write_file(path, {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0});
    check_contains(error_of([&] { mlrun::read_idx(path); }),
                   path + ": truncated: header has rank 3 but the file ends after 1 of its dimensions");
}

BOOST_AUTO_TEST_CASE(truncated_data) {
    temp_dir tmp;
    const std::string path = tmp.path("short.idx");
    write_file(path, concat(header(0x08, {2, 3}), {1, 2, 3, 4}));
    BOOST_CHECK_EQUAL(error_of([&] { mlrun::read_idx(path); }),
                      path + ": truncated: header says 2x3 = 6 bytes of data, file has 4");

    write_file(path, concat(header(0x0D, {2, 3}), bytes(10, 0)));
    BOOST_CHECK_EQUAL(error_of([&] { mlrun::read_idx(path); }),
                      path + ": truncated: header says 2x3 = 6 f32 elements = 24 bytes of data, file has 10");
}

BOOST_AUTO_TEST_CASE(absurd_sizes_fail_before_allocating) {
    temp_dir tmp;
    const std::string path = tmp.path("huge.idx");
    write_file(path, concat(header(0x0E, {0xffffffff, 0xffffffff, 0xffffffff}), {1, 2}));
    check_contains(error_of([&] { mlrun::read_idx(path); }), path + ": absurd size");

    // Fits in size_t but not in memory: must end as truncated, not bad_alloc.
    write_file(path, concat(header(0x08, {100000, 100000, 1000}), {1, 2}));
    check_contains(error_of([&] { mlrun::read_idx(path); }),
                   path + ": truncated: header says 100000x100000x1000 = 10000000000000 bytes of data, file has 2");
}

BOOST_AUTO_TEST_CASE(trailing_garbage) {
    temp_dir tmp;
    const std::string path = tmp.path("long.idx");
    write_file(path, concat(header(0x08, {2}), {1, 2, 3, 4, 5}));
    BOOST_CHECK_EQUAL(error_of([&] { mlrun::read_idx(path); }),
                      path + ": trailing garbage: 3 bytes after the 2 = 2 bytes of data the header describes");
}

BOOST_AUTO_TEST_CASE(damaged_gzip) {
    temp_dir tmp;
    const std::string path = tmp.path("d.idx.gz");
    mlrun::write_idx(path, make_array(idx_type::f32, {300, 200}, pattern<float>(60000)));
    const bytes good = read_file(path);
    BOOST_REQUIRE(good.size() > 1000);

    // Cut in the middle of the deflate stream.
    write_file(path, bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2)));
    std::string message = error_of([&] { mlrun::read_idx(path); });
    check_contains(message, path + ": corrupted gzip stream: unexpected end of file");

    // All data present but the checksum trailer missing.
    write_file(path, bytes(good.begin(), good.end() - 4));
    check_contains(error_of([&] { mlrun::read_idx(path); }), path + ": corrupted gzip stream");

    // A flipped byte in the compressed data.
    bytes flipped = good;
    flipped[flipped.size() / 2] ^= 0x5a;
    write_file(path, flipped);
    check_contains(error_of([&] { mlrun::read_idx(path); }), path + ": corrupted gzip stream");
}

BOOST_AUTO_TEST_CASE(write_rejects_invalid_arrays) {
    temp_dir tmp;
    const std::string path = tmp.path("w.idx");
    check_contains(error_of([&] { mlrun::write_idx(path, make_array(idx_type::f32, {2, 3}, std::vector<float>(5))); }),
                   path + ": cannot write IDX: data has 20 bytes, dims 2x3 of f32 need 24");
    check_contains(error_of([&] { mlrun::write_idx(path, idx_array{}); }), "rank 0");
    check_contains(error_of([&] {
                       mlrun::write_idx(path, make_array(idx_type::u8, {std::size_t{1} << 33}, std::vector<char>{}));
                   }),
                   "dimension 0 is 8589934592");
    BOOST_CHECK(!fs::exists(path));
}

BOOST_AUTO_TEST_CASE(write_to_missing_directory) {
    temp_dir tmp;
    const std::string path = tmp.path("no/such/dir.idx.gz");
    BOOST_CHECK_EQUAL(error_of([&] {
                          mlrun::write_idx(path, make_array(idx_type::u8, {1}, std::vector<std::uint8_t>{1}));
                      }),
                      "cannot open " + path + ": No such file or directory");
}

BOOST_AUTO_TEST_CASE(fashion_mnist_test_labels,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                         boost::test_tools::assertion_result present(fs::exists(fashion_labels));
                         if (!present) present.message() << fashion_labels << " is absent";
                         return present;
                     })) {
    const idx_array a = mlrun::read_idx(fashion_labels);
    BOOST_CHECK(a.type == idx_type::u8);
    BOOST_CHECK((a.dims == std::vector<std::size_t>{10000}));
    BOOST_REQUIRE_EQUAL(a.data.size(), 10000u);
    for (std::byte b : a.data) BOOST_CHECK_LT(std::to_integer<int>(b), 10);
}
