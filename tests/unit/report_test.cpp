// What the loggers write, read back independently: the record framing of
// event files parsed here by hand (length, CRC of the length, data, CRC of
// the data) with a bit-by-bit CRC-32C written from its definition, the
// Event messages decoded from the protobuf wire format by hand, and CSV
// logs as text.
#define BOOST_TEST_MODULE report
#include <boost/test/unit_test.hpp>

#include "mlrun/callbacks/csv_logger.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/report/crc32c.hpp"
#include "mlrun/report/event_file.hpp"
#include "mlrun/report/record_file.hpp"
#include "mlrun/report/run_log.hpp"
#include "support/event_reader.hpp"
#include "support/temp_files.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace mlrun;
namespace fs = boost::filesystem;

namespace {

std::string read_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class F> std::string io_error_of(F&& f)
{
    try {
        f();
    } catch (const io_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected an io_error");
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crc)

// The check value of CRC-32C (RFC 3720, B.4): "123456789" -> 0xe3069283.
BOOST_AUTO_TEST_CASE(crc32c_matches_the_standard_check_value_and_the_bitwise_definition)
{
    BOOST_TEST(crc32c("123456789", 9) == 0xe3069283u);
    BOOST_TEST(testing::bitwise_crc32c("123456789") == 0xe3069283u);
    const std::string text = "any bytes at all \x01\x02\xff";
    BOOST_TEST(crc32c(text.data(), text.size()) == testing::bitwise_crc32c(text));
    // Continuing a CRC equals one pass over the whole.
    BOOST_TEST(crc32c(text.data() + 5, text.size() - 5, crc32c(text.data(), 5)) == crc32c(text.data(), text.size()));
}

BOOST_AUTO_TEST_CASE(masking_rotates_and_offsets)
{
    // ((0 >> 15) | (0 << 17)) + 0xa282ead8
    BOOST_TEST(mask_crc32c(0) == 0xa282ead8u);
    // 0x00008000 rotated right by 15 is 1.
    BOOST_TEST(mask_crc32c(0x00008000u) == 0xa282ead9u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(event_files)

BOOST_AUTO_TEST_CASE(records_carry_the_framing_byte_for_byte)
{
    testing::temp_directory dir;
    const std::string path = (dir.path / "records").string();
    {
        record_writer w(path);
        w.write("first");
        w.write("");
        w.write(std::string(300, 'x'));
    }
    const std::vector<std::string> records = testing::parse_records(read_text(path));
    BOOST_TEST(records.size() == 3u);
    BOOST_TEST(records[0] == "first");
    BOOST_TEST(records[1] == "");
    BOOST_TEST(records[2] == std::string(300, 'x'));
    BOOST_TEST(read_records(path) == records, boost::test_tools::per_element());
    // 3 headers of 12 bytes, 3 footers of 4, and the data.
    BOOST_TEST(fs::file_size(path) == 3u * 16u + 5u + 300u);
}

BOOST_AUTO_TEST_CASE(a_record_writer_never_overwrites)
{
    testing::temp_directory dir;
    const std::string path = dir.write("taken", "precious");
    BOOST_CHECK_THROW(record_writer{path}, io_error);
    BOOST_TEST(read_text(path) == "precious");
}

BOOST_AUTO_TEST_CASE(damaged_records_are_reported_with_their_place)
{
    testing::temp_directory dir;
    const std::string path = (dir.path / "records").string();
    {
        record_writer w(path);
        w.write("alpha");
        w.write("beta");
    }
    std::string bytes = read_text(path);
    std::string flipped = bytes;
    flipped[21 + 12] ^= 0x01;  // the first data byte of record 1 (record 0 takes 12 + 5 + 4 bytes)
    const std::string bad_data = dir.write("flipped", flipped);
    BOOST_TEST(contains(io_error_of([&] { read_records(bad_data); }), "flipped: record 1 at byte 21: data CRC mismatch"));
    const std::string cut = dir.write("cut", bytes.substr(0, bytes.size() - 2));
    BOOST_TEST(contains(io_error_of([&] { read_records(cut); }), "cut: record 1 at byte 21: expected 4 data bytes and a CRC"));
    std::string bad_length = bytes;
    bad_length[0] = 6;
    const std::string wrong_length = dir.write("length", bad_length);
    BOOST_TEST(contains(io_error_of([&] { read_records(wrong_length); }), "record 0 at byte 0: length CRC mismatch"));
}

BOOST_AUTO_TEST_CASE(event_files_start_with_the_version_and_hold_tagged_scalars)
{
    testing::temp_directory dir;
    std::string path;
    {
        event_file_writer w((dir.path / "run" / "train").string());
        w.add_scalars(0, {{"epoch_loss", 0.75f}, {"epoch_accuracy", 0.0f}});
        w.add_scalars(1, {{"epoch_loss", 0.5f}});
        path = w.path();
    }
    BOOST_TEST(fs::path(path).filename().string().rfind("events.out.tfevents.", 0) == 0u, path);
    const std::vector<testing::decoded_event> events = testing::decode_events(read_text(path));
    BOOST_TEST_REQUIRE(events.size() == 3u);
    BOOST_TEST(events[0].file_version == "brain.Event:2");
    BOOST_TEST(events[0].wall_time > 1.5e9);  // seconds since 1970, a date after 2017
    BOOST_TEST(events[1].step == 0);
    BOOST_TEST_REQUIRE(events[1].values.size() == 2u);
    BOOST_TEST(events[1].values[0].tag == "epoch_loss");
    BOOST_TEST(events[1].values[0].value == 0.75f);
    // A zero is written, not dropped as a default would be.
    BOOST_TEST(events[1].values[1].tag == "epoch_accuracy");
    BOOST_TEST(events[1].values[1].present);
    BOOST_TEST(events[2].step == 1);

    // The library's own reader agrees.
    const event_file_contents contents = read_event_file(path);
    BOOST_TEST(contents.file_version == "brain.Event:2");
    BOOST_TEST(contents.scalars.size() == 3u);
}

BOOST_AUTO_TEST_CASE(two_writers_in_one_second_get_two_files)
{
    testing::temp_directory dir;
    event_file_writer a(dir.path.string());
    event_file_writer b(dir.path.string());
    BOOST_TEST(a.path() != b.path());
    BOOST_TEST(event_files_in(dir.path.string()).size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(csv_logs)

BOOST_AUTO_TEST_CASE(shortest_decimals_read_back_exactly)
{
    for (double v : {0.1, 1.0 / 3.0, 0.8760000467300415, 1e-7, 12345.678, 0.0}) {
        BOOST_TEST(std::strtod(shortest_decimal(v).c_str(), nullptr) == v);
    }
    BOOST_TEST(shortest_decimal(0.5) == "0.5");
}

BOOST_AUTO_TEST_CASE(a_csv_log_parses_with_nan_for_missing_values_and_later_rows_winning)
{
    testing::temp_directory dir;
    const std::string path = dir.write("log.csv", "epoch;loss;val_loss\n0;1.5;NA\n1;0.5;0.75\n1;0.25;0.5\n");
    const run_log log = read_csv_log(path);
    BOOST_TEST(log.epochs == (std::vector<int>{0, 1}), boost::test_tools::per_element());
    BOOST_TEST(log.values.at("loss") == (std::vector<double>{1.5, 0.25}), boost::test_tools::per_element());
    BOOST_TEST(std::isnan(log.values.at("val_loss")[0]));
    BOOST_TEST(log.values.at("val_loss")[1] == 0.5);
}

BOOST_AUTO_TEST_CASE(an_unreadable_csv_names_line_and_column)
{
    testing::temp_directory dir;
    const std::string bad = dir.write("bad.csv", "epoch,loss\n0,0.5\n1,lots\n");
    BOOST_TEST(contains(io_error_of([&] { read_csv_log(bad); }), "bad.csv:3: loss: expected a number, found 'lots'"));
    const std::string ragged = dir.write("ragged.csv", "epoch,loss\n0,0.5,9\n");
    BOOST_TEST(contains(io_error_of([&] { read_csv_log(ragged); }), "ragged.csv:2: expected 2 values, found 3"));
    const std::string headless = dir.write("headless.csv", "0,0.5\n");
    BOOST_TEST(contains(io_error_of([&] { read_csv_log(headless); }), "expected the first column to be 'epoch'"));
}

BOOST_AUTO_TEST_CASE(a_run_directory_needs_a_log)
{
    testing::temp_directory dir;
    BOOST_TEST(contains(io_error_of([&] { read_run(dir.path.string()); }),
                        "found neither a CSV log (*.csv) nor event files"));
    dir.write("a.csv", "epoch,loss\n");
    dir.write("b.csv", "epoch,loss\n");
    BOOST_TEST(contains(io_error_of([&] { read_run(dir.path.string()); }), "expected one CSV log, found 2"));
    BOOST_TEST(contains(io_error_of([&] { read_run((dir.path / "none").string()); }), "no such run directory"));
}

BOOST_AUTO_TEST_SUITE_END()
