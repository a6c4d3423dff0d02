#define BOOST_TEST_MODULE array files
#include <boost/test/unit_test.hpp>

#include "mlrun/core/error.hpp"
#include "mlrun/data/array_io.hpp"
#include "support/small_disk.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <cmath>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace fs = std::filesystem;
using namespace mlrun;

namespace {

struct temp_dir {
    fs::path dir;
    temp_dir()
    {
        std::string pattern = (fs::temp_directory_path() / "mlrun-array-test-XXXXXX").string();
        BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
        dir = pattern;
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string path(const std::string& name) const { return (dir / name).string(); }
};

// A .npy file as numpy writes one: magic, version, header length, header
// padded with spaces to a 64-byte boundary and ended by a newline, data.
void write_raw_npy(const std::string& path, int major, const std::string& dict, const std::string& data)
{
    const std::size_t prefix = major == 1 ? 10 : 12;
    std::string header = dict;
    while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY", 6);
    out.put(static_cast<char>(major));
    out.put(0);
    const std::size_t length = header.size();
    out.put(static_cast<char>(length & 0xff));
    out.put(static_cast<char>(length >> 8));
    if (major != 1) out.put(0), out.put(0);
    out << header << data;
}

template <class T>
std::string bytes_of(std::initializer_list<T> values)
{
    std::string data;
    for (T v : values) data.append(reinterpret_cast<const char*>(&v), sizeof v);
    return data;
}

std::vector<float> values(const tensor& t) { return std::vector<float>(t.f32(), t.f32() + t.size()); }

template <class F>
void expect_data_error(F f, const std::string& fragment)
{
    BOOST_CHECK_EXCEPTION(f(), data_error, [&](const data_error& e) {
        BOOST_TEST_MESSAGE(e.what());
        return std::string(e.what()).find(fragment) != std::string::npos;
    });
}

}  // namespace

BOOST_AUTO_TEST_CASE(npy_round_trip_in_numpys_layout)
{
    temp_dir dir;
    tensor t({3, 4});
    for (std::int64_t i = 0; i < t.size(); ++i) t.f32()[i] = 0.1f * static_cast<float>(i) - 0.5f;
    write_array(dir.path("a.npy"), t);
    std::ifstream in(dir.path("a.npy"), std::ios::binary);
    std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BOOST_CHECK_EQUAL(file.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const std::size_t header_length = static_cast<unsigned char>(file[8]) | static_cast<unsigned char>(file[9]) << 8;
    BOOST_CHECK_EQUAL((10 + header_length) % 64, 0u);
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
    BOOST_CHECK_EQUAL(file.substr(10, dict.size()), dict);
    BOOST_CHECK_EQUAL(file[10 + header_length - 1], '\n');
    BOOST_CHECK_EQUAL(file.size(), 10 + header_length + 48);
    const tensor back = read_array(dir.path("a.npy"));
    BOOST_CHECK(back.dims() == t.dims());
    BOOST_TEST(values(back) == values(t), boost::test_tools::per_element());

    tensor line({5});
    write_array(dir.path("line.npy"), line);
    BOOST_CHECK(read_array(dir.path("line.npy")).dims() == shape({5}));
}

BOOST_AUTO_TEST_CASE(npy_element_types_and_versions)
{
    temp_dir dir;
    write_raw_npy(dir.path("f8.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                  bytes_of<double>({0.25, -3.5}));
    BOOST_TEST(values(read_array(dir.path("f8.npy"))) == (std::vector<float>{0.25f, -3.5f}), boost::test_tools::per_element());
    write_raw_npy(dir.path("u1.npy"), 2, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }",
                  std::string("\x00\x7f\xff", 3));
    const tensor bytes = read_array(dir.path("u1.npy"));
    BOOST_CHECK(bytes.dims() == shape({1, 3}));
    BOOST_TEST(values(bytes) == (std::vector<float>{0.0f, 127.0f, 255.0f}), boost::test_tools::per_element());
    write_raw_npy(dir.path("i8.npy"), 3, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                  bytes_of<std::int64_t>({-7, 9}));
    BOOST_TEST(values(read_array(dir.path("i8.npy"))) == (std::vector<float>{-7.0f, 9.0f}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(npy_files_mlrun_cannot_read_are_named)
{
    temp_dir dir;
    write_raw_npy(dir.path("fortran.npy"), 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                  bytes_of<float>({1, 2, 3, 4}));
    expect_data_error([&] { read_array(dir.path("fortran.npy")); }, "fortran.npy: the array is in Fortran");
    write_raw_npy(dir.path("short.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
                  bytes_of<float>({1, 2, 3}));
    expect_data_error([&] { read_array(dir.path("short.npy")); }, "short.npy: shape (3, 4) of <f4 needs 48 bytes of data, the file has 12");
    write_raw_npy(dir.path("big.npy"), 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                  bytes_of<float>({1}));
    expect_data_error([&] { read_array(dir.path("big.npy")); }, "element type '>f4' is not one mlrun reads");
    std::ofstream(dir.path("text.npy")) << "1,2,3\n";
    expect_data_error([&] { read_array(dir.path("text.npy")); }, "text.npy: not a .npy file");
    expect_data_error([&] { read_array(dir.path("absent.npy")); }, "absent.npy: cannot be opened");
    expect_data_error([&] { read_array(dir.path("data.txt")); }, "expected a .npy or .csv file");
}

BOOST_AUTO_TEST_CASE(csv_rows_with_an_optional_header)
{
    temp_dir dir;
    std::ofstream(dir.path("x.csv")) << "sepal_length,sepal_width,petal\r\n5.1, 3.5,1.4\r\n\r\n4.9,3.0,-1e-3\r\n";
    const tensor x = read_array(dir.path("x.csv"));
    BOOST_CHECK(x.dims() == shape({2, 3}));
    BOOST_TEST(values(x) == (std::vector<float>{5.1f, 3.5f, 1.4f, 4.9f, 3.0f, -1e-3f}), boost::test_tools::per_element());
    write_array(dir.path("y.csv"), x);
    std::ifstream in(dir.path("y.csv"));
    std::string first;
    std::getline(in, first);
    BOOST_CHECK_EQUAL(first, "5.0999999,3.5,1.39999998");
    BOOST_TEST(values(read_array(dir.path("y.csv"))) == values(x), boost::test_tools::per_element());

    std::ofstream(dir.path("ragged.csv")) << "1,2,3\n4,5\n";
    expect_data_error([&] { read_array(dir.path("ragged.csv")); }, "ragged.csv:2: expected 3 values like the lines before, found 2");
    std::ofstream(dir.path("word.csv")) << "1,2\n3,abc\n";
    expect_data_error([&] { read_array(dir.path("word.csv")); }, "word.csv:2: expected numbers separated by commas; column 2 is 'abc'");
    std::ofstream(dir.path("empty.csv")) << "a,b\n";
    expect_data_error([&] { read_array(dir.path("empty.csv")); }, "empty.csv: no rows of numbers");
    expect_data_error([&] { write_array(dir.path("y.txt"), x); }, "must be a .npy or .csv file");
}

// An output that does not fit on its disk must leave the previous one as
// it was: written beside it and renamed over it only when complete.
BOOST_AUTO_TEST_CASE(a_write_that_fails_leaves_the_previous_output_intact)
{
    testing::small_disk disk(64 * 1024);
    if (disk.skipped("a_write_that_fails_leaves_the_previous_output_intact")) return;
    tensor small({2, 3});
    for (std::int64_t i = 0; i < small.size(); ++i) small.f32()[i] = static_cast<float>(i);
    tensor huge({64, 1024});  // 256 KiB of floats: more than the file system holds
    for (const char* name : {"previous.npy", "previous.csv"}) {
        const std::string path = disk.path(name);
        write_array(path, small);
        std::ifstream before_in(path, std::ios::binary);
        const std::string before((std::istreambuf_iterator<char>(before_in)), {});
        BOOST_CHECK_THROW(write_array(path, huge), io_error);
        std::ifstream after_in(path, std::ios::binary);
        const std::string after((std::istreambuf_iterator<char>(after_in)), {});
        BOOST_TEST(after == before, name << " was damaged by the failed write");
        BOOST_TEST(disk.files_named(".tmp").empty());
    }
}

BOOST_AUTO_TEST_CASE(npy_header_claiming_more_than_the_file_fails_before_allocating)
{
    temp_dir dir;
    // 4 TiB claimed by a file of a few hundred bytes: allocating first ends
    // in bad_alloc, not in an error about the file.
    write_raw_npy(dir.path("huge.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }",
                  bytes_of<float>({1.0f, 2.0f}));
    expect_data_error([&] { read_array(dir.path("huge.npy")); }, "needs 4398046511104 bytes of data, the file has 8");
    write_raw_npy(dir.path("overflow.npy"), 1,
                  "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "");
    expect_data_error([&] { read_array(dir.path("overflow.npy")); }, "bad .npy shape");
}

// A dimension that is not a number was read as 0 (strtoll's answer for no
// digits): "(x, 3)" loaded as an empty (0, 3) array instead of an error.
BOOST_AUTO_TEST_CASE(npy_shapes_with_dimensions_that_are_not_numbers_are_refused)
{
    temp_dir dir;
    for (const std::string dims : {"x, 3", "3, 2abc", "1.5,", "3, , 2"}) {
        write_raw_npy(dir.path("junk.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }",
                      "");
        expect_data_error([&] { read_array(dir.path("junk.npy")); }, "junk.npy: bad .npy shape (" + dims + ")");
    }
}

BOOST_AUTO_TEST_CASE(npy_and_csv_that_are_not_regular_files_are_refused)
{
    temp_dir dir;
    // Opening a FIFO blocks until a writer comes; /dev/zero never ends.
    BOOST_REQUIRE_EQUAL(mkfifo(dir.path("fifo.npy").c_str(), 0600), 0);
    expect_data_error([&] { read_array(dir.path("fifo.npy")); }, "fifo.npy: is a FIFO, not a regular file");
    BOOST_REQUIRE_EQUAL(mkfifo(dir.path("fifo.csv").c_str(), 0600), 0);
    expect_data_error([&] { read_array(dir.path("fifo.csv")); }, "fifo.csv: is a FIFO, not a regular file");
    fs::create_symlink("/dev/zero", dir.path("zero.npy"));
    expect_data_error([&] { read_array(dir.path("zero.npy")); }, "zero.npy: is a character device, not a regular file");
    fs::create_directory(dir.path("dir.npy"));
    expect_data_error([&] { read_array(dir.path("dir.npy")); }, "dir.npy: is a directory, not a regular file");
}

BOOST_AUTO_TEST_CASE(non_finite_values_are_refused_with_the_sample)
{
    temp_dir dir;
    write_raw_npy(dir.path("nan.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }",
                  bytes_of<float>({0.0f, 1.0f, 2.0f, 3.0f, 4.0f, std::nanf("")}));
    expect_data_error([&] { read_array(dir.path("nan.npy")); }, "nan.npy: sample 2 holds nan (value 1 of the sample)");
    write_raw_npy(dir.path("inf.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                  bytes_of<double>({1e300 * 1e10, 0.0}));
    expect_data_error([&] { read_array(dir.path("inf.npy")); }, "inf.npy: sample 0 holds inf");
    std::ofstream(dir.path("nan.csv")) << "a,b\n1,2\n3,-inf\n";
    expect_data_error([&] { read_array(dir.path("nan.csv")); }, "nan.csv: sample 1 holds -inf (value 1 of the sample)");
}
