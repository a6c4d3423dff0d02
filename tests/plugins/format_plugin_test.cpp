// format_plugin.hpp's C table over a format class: what each exception
// becomes, where its message goes, and that a handle is freed when the
// convention says so.
#define BOOST_TEST_MODULE format_plugin_adaptor
#include <boost/test/unit_test.hpp>

#include "mlrun/plugin/format_plugin.hpp"

#include <array>
#include <new>
#include <stdexcept>

namespace pa = mlrun::plugin_author;

namespace {

int live_writers = 0;

// The path says how save_begin and commit fail.
class toy_writer : public pa::format_writer {
public:
    explicit toy_writer(std::string path) : path_(std::move(path)) { ++live_writers; }
    ~toy_writer() override { --live_writers; }
    void tensor(const mlrun_tensor_view& view) override { pa::numeric_bytes(view); }
    void metadata(const std::string&, const std::string&) override { throw pa::unsupported_error("no metadata here"); }
    void commit() override
    {
        if (path_ == "commit-fails") throw std::runtime_error("disk full");
    }

private:
    std::string path_;
};

struct toy_format {
    static std::unique_ptr<pa::format_writer> save_begin(const std::string& path, const pa::option_list& options)
    {
        if (!options.empty()) throw std::invalid_argument("unknown option '" + options[0].first + "'");
        if (path == "no-memory") throw std::bad_alloc();
        return std::make_unique<toy_writer>(path);
    }
    static std::unique_ptr<pa::format_reader> open(const std::string&, const pa::option_list&)
    {
        struct held {
            std::string name;
            int32_t dtype;
            std::vector<int64_t> dims;
            std::vector<unsigned char> bytes;
        };
        return std::make_unique<pa::memory_reader<held>>(
            std::vector<held>{{"w", MLRUN_DTYPE_UINT8, {2}, {7, 9}}}, pa::metadata_list{{"k", "v"}});
    }
};

const mlrun_format_table table = pa::format_table<toy_format>(".toy", 0u);

}  // namespace

BOOST_AUTO_TEST_CASE(exceptions_become_statuses_with_their_message_in_the_callers_buffer)
{
    std::array<char, 64> error{};
    mlrun_format_writer* writer = nullptr;
    const mlrun_option option{"colour", "red"};
    BOOST_TEST(table.save_begin("a.toy", &option, 1, &writer, error.data(), error.size()) ==
               MLRUN_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(std::string(error.data()) == "unknown option 'colour'");
    BOOST_TEST(table.save_begin("no-memory", nullptr, 0, &writer, error.data(), error.size()) ==
               MLRUN_STATUS_OUT_OF_MEMORY);
    BOOST_TEST(writer == nullptr);
    std::array<char, 8> small{};
    table.save_begin("a.toy", &option, 1, &writer, small.data(), small.size());
    BOOST_TEST(std::string(small.data()) == "unknown");  // cut to fit, NUL-terminated
}

BOOST_AUTO_TEST_CASE(entries_on_a_handle_keep_their_message_in_it)
{
    std::array<char, 64> error{};
    mlrun_format_writer* writer = nullptr;
    BOOST_REQUIRE(table.save_begin("a.toy", nullptr, 0, &writer, error.data(), error.size()) == MLRUN_STATUS_OK);
    BOOST_TEST(table.save_metadata(writer, "k", "v") == MLRUN_STATUS_UNSUPPORTED);
    BOOST_TEST(std::string(table.writer_error(writer)) == "no metadata here");
    const std::int64_t dims[] = {3};
    const float values[2] = {};
    const mlrun_tensor_view short_tensor{"t", MLRUN_DTYPE_FLOAT32, 1, dims, values, sizeof values, nullptr};
    BOOST_TEST(table.save_tensor(writer, &short_tensor) == MLRUN_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(std::string(table.writer_error(writer)) == "tensor 't': 8 bytes do not match its shape");
    table.save_abort(writer);
    BOOST_TEST(live_writers == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_commit_frees_the_writer_and_reports_in_the_buffer)
{
    std::array<char, 64> error{};
    mlrun_format_writer* writer = nullptr;
    BOOST_REQUIRE(table.save_begin("commit-fails", nullptr, 0, &writer, error.data(), error.size()) ==
                  MLRUN_STATUS_OK);
    BOOST_TEST(live_writers == 1);
    BOOST_TEST(table.save_commit(writer, error.data(), error.size()) == MLRUN_STATUS_IO_ERROR);
    BOOST_TEST(std::string(error.data()) == "disk full");
    BOOST_TEST(live_writers == 0);
}

BOOST_AUTO_TEST_CASE(reading_checks_indexes_and_has_no_strings_unless_the_format_does)
{
    std::array<char, 64> error{};
    mlrun_format_reader* reader = nullptr;
    BOOST_REQUIRE(table.open("a.toy", nullptr, 0, &reader, error.data(), error.size()) == MLRUN_STATUS_OK);
    BOOST_TEST(table.tensor_count(reader) == 1);
    std::array<unsigned char, 2> data{};
    BOOST_TEST(table.read_tensor(reader, 0, data.data(), data.size()) == MLRUN_STATUS_OK);
    BOOST_TEST(data[1] == 9);
    BOOST_TEST(table.read_tensor(reader, 1, data.data(), data.size()) == MLRUN_STATUS_IO_ERROR);
    BOOST_TEST(std::string(table.reader_error(reader)) == "no tensor #1 (there are 1)");
    BOOST_TEST(table.read_strings(reader, 0, nullptr, nullptr) == MLRUN_STATUS_UNSUPPORTED);
    const char* key = nullptr;
    const char* value = nullptr;
    BOOST_TEST(table.metadata_entry(reader, 0, &key, &value) == MLRUN_STATUS_OK);
    BOOST_TEST(std::string(key) + "=" + value == "k=v");
    table.close(reader);
    BOOST_TEST(table.inspect == nullptr);          // the class has none
    BOOST_TEST(table.check_save_path == nullptr);  // any path
}
