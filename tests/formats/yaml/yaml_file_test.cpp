// The YAML checkpoint file on its own: exact round trips of every dtype
// (special floats included), and errors placed at file:line:column.
#define BOOST_TEST_MODULE yaml_format
#include <boost/test/unit_test.hpp>

#include "yaml_file.hpp"

#include "mlrun/core/error.hpp"

#include <yaml-cpp/yaml.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

namespace yf = mlrun::yaml_format;

namespace {

template <class T> yf::staged_tensor numeric(const std::string& name, mlrun_dtype dtype, std::vector<T> values,
                                             std::vector<std::int64_t> dims)
{
    yf::staged_tensor t;
    t.name = name;
    t.dtype = dtype;
    t.dims = std::move(dims);
    t.bytes.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
}

float from_bits(std::uint32_t bits)
{
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

std::string error_of(const std::string& text, const std::string& file = "bad.yaml")
{
    try {
        yf::parse_text(text, file);
    } catch (const yf::format_error& e) {
        return e.what();
    }
    return "(no error)";
}

const std::string header = "mlrun_yaml: 1\n";

std::string file_text(const std::string& path)
{
    std::string text;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return text;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
    std::fclose(f);
    return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_dtype_round_trips_bit_for_bit)
{
    yf::staged_file file;
    // Values where decimal text most easily loses bits: the extremes,
    // subnormals, negative zero, infinities and NaNs with payloads.
    const std::vector<float> floats = {0.1f, -0.0f, 1.0f / 3.0f, std::numeric_limits<float>::max(),
                                       std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(),
                                       from_bits(0x00012345), std::numeric_limits<float>::infinity(),
                                       -std::numeric_limits<float>::infinity(), from_bits(0x7fc00000),
                                       from_bits(0xffa00001), 16777217.0f, -1.17549421e-38f};
    file.tensors.push_back(numeric<float>("dense/kernel", MLRUN_DTYPE_FLOAT32, floats, {13}));
    file.tensors.push_back(numeric<std::int64_t>("optimizer/iterations", MLRUN_DTYPE_INT64,
                                                 {std::numeric_limits<std::int64_t>::min()}, {}));
    file.tensors.push_back(numeric<std::int64_t>("big", MLRUN_DTYPE_INT64,
                                                 {std::numeric_limits<std::int64_t>::max(), -1, 0, 42}, {2, 2}));
    file.tensors.push_back(numeric<std::int32_t>("i32", MLRUN_DTYPE_INT32, {std::numeric_limits<std::int32_t>::min(), 7}, {2}));
    file.tensors.push_back(numeric<std::uint8_t>("u8", MLRUN_DTYPE_UINT8, {0, 255, 9}, {3, 1}));
    file.tensors.push_back(numeric<float>("empty", MLRUN_DTYPE_FLOAT32, {}, {0, 4}));
    yf::staged_tensor strings;
    strings.name = "words";
    strings.dtype = MLRUN_DTYPE_STRING;
    strings.dims = {2};
    strings.strings = {std::string("a\0b", 3), "caf\xc3\xa9\n"};
    file.tensors.push_back(strings);
    file.set_meta("loss", "sparse_categorical_crossentropy");
    file.set_meta("training_state", "epoch: 3\nstep: 12\n");
    file.set_meta("odd", "  leading spaces, \"quotes\", tabs\t and no newline");

    const std::string text = yf::write_text(file);
    const yf::staged_file back = yf::parse_text(text, "mem.yaml");
    BOOST_REQUIRE(back.tensors.size() == file.tensors.size());
    for (std::size_t i = 0; i < file.tensors.size(); ++i) {
        BOOST_TEST_CONTEXT(file.tensors[i].name)
        {
            BOOST_TEST(back.tensors[i].name == file.tensors[i].name);
            BOOST_TEST(back.tensors[i].dtype == file.tensors[i].dtype);
            BOOST_TEST(back.tensors[i].dims == file.tensors[i].dims);
            BOOST_TEST(back.tensors[i].bytes == file.tensors[i].bytes);  // bytes: exact, no tolerance
            BOOST_TEST(back.tensors[i].strings == file.tensors[i].strings);
        }
    }
    BOOST_TEST(back.metadata == file.metadata);
    // Writing what was read gives the same file.
    BOOST_TEST(yf::write_text(back) == text);
}

BOOST_AUTO_TEST_CASE(architecture_and_compile_settings_are_readable_yaml)
{
    yf::staged_file file;
    file.set_meta("model_config", YAML::Dump(YAML::Load(
        "- Dense: {units: 512, activation: relu, input_shape: [784], name: dense}\n- Dropout: {rate: 0.2, name: dropout}\n")));
    file.set_meta("optimizer_config", YAML::Dump(YAML::Load("{name: Adam, config: {learning_rate: 0.001}}")));
    file.set_meta("loss", "sparse_categorical_crossentropy");
    file.set_meta("metrics", YAML::Dump(YAML::Load("[accuracy]")));
    const std::string text = yf::write_text(file);
    const YAML::Node doc = YAML::Load(text);
    BOOST_TEST(doc["model"][0]["Dense"]["units"].as<int>() == 512);
    BOOST_TEST(doc["model"][1]["Dropout"]["rate"].as<double>() == 0.2);
    BOOST_TEST(doc["compile"]["optimizer"]["name"].as<std::string>() == "Adam");
    BOOST_TEST(doc["compile"]["loss"].as<std::string>() == "sparse_categorical_crossentropy");
    BOOST_TEST(doc["compile"]["metrics"][0].as<std::string>() == "accuracy");
    const yf::staged_file back = yf::parse_text(text, "arch.yaml");
    BOOST_TEST(back.tensors.empty());
    for (const auto& [key, value] : file.metadata) {
        BOOST_TEST_CONTEXT(key)
        {
            bool found = false;
            for (const auto& [k, v] : back.metadata) {
                if (k != key) continue;
                found = true;
                BOOST_TEST(YAML::Dump(YAML::Load(v)) == YAML::Dump(YAML::Load(value)));
            }
            BOOST_TEST(found);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_model_section_keeps_the_files_line_numbers)
{
    const std::string text = header + "# a comment\nmodel:\n- Dense:\n    units: 10\n- Frobnicate:\n    rate: 2\ntensors: []\n";
    const yf::staged_file file = yf::parse_text(text, "arch.yaml");
    BOOST_REQUIRE(file.metadata.size() == 1);
    const YAML::Node layers = YAML::Load(file.metadata[0].second);
    // "- Frobnicate:" is line 6 of the file (1-based), column 3.
    BOOST_TEST(layers[1].begin()->first.Mark().line + 1 == 6);
    BOOST_TEST(layers[1].begin()->first.Mark().column + 1 == 3);
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_column)
{
    const std::string tensor = "tensors:\n- name: w\n  dtype: float32\n  shape: [2, 2]\n  values: |\n    1 2\n    3 x4\n";
    BOOST_TEST(error_of(header + tensor) ==
               "bad.yaml:8:7: tensor 'w': value #3: expected a float32 (e.g. 0.125, -1.5e-07, inf, nan:7fc00000), found 'x4'");
    const std::string short_tensor = "tensors:\n- name: w\n  dtype: int64\n  shape: [3]\n  values: |\n    1 2\n";
    BOOST_TEST(error_of(header + short_tensor).find("tensor 'w': value #2: expected 3 values for its shape, found 2") !=
               std::string::npos);
    BOOST_TEST(error_of(header + "tensors:\n- name: w\n  dtype: float64\n  shape: []\n  values: '1'\n") ==
               "bad.yaml:4:10: tensor 'w': dtype: expected float32, int64, int32, uint8 or string, found 'float64'");
    BOOST_TEST(error_of(header + "weights: []\n") ==
               "bad.yaml:2:1: unknown key 'weights'; expected mlrun_yaml, crc32c, model, compile, metadata or tensors");
    BOOST_TEST(error_of("tensors: []\n").find("the key mlrun_yaml: 1 is missing") != std::string::npos);
    BOOST_TEST(error_of(header + "model: [\n").rfind("bad.yaml:", 0) == 0);
    BOOST_TEST(error_of(header + "tensors:\n- name: b\n  dtype: uint8\n  shape: [1]\n  values: '256'\n").find(
                   "bad.yaml:6:11: tensor 'b': value #0: expected a uint8 (0 to 255), found '256'") != std::string::npos);
    BOOST_TEST(error_of(header + "compile: {loss: mse, run: rm}\n").find("bad.yaml:2:22: unknown compile setting 'run'") !=
               std::string::npos);
    // Tags build nothing: a tagged node is read as plain data and checked like any other.
    BOOST_TEST(error_of(header + "tensors:\n- name: w\n  dtype: int64\n  shape: [1]\n  values: !!python/object/apply:os.system [ls]\n") ==
               "bad.yaml:6:11: expected the values as text, found a list");
}

BOOST_AUTO_TEST_CASE(a_failed_save_leaves_the_earlier_file_as_it_was)
{
    char dir[] = "/tmp/mlrun-yaml-save-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/cp.yaml";
    yf::staged_file first;
    first.tensors.push_back(numeric<std::int64_t>("optimizer/iterations", MLRUN_DTYPE_INT64, {7}, {}));
    yf::write_file(path, first);
    const std::string before = yf::write_text(first);
    // A file size limit below the file's size: the write fails as on a
    // full disk (EFBIG instead of ENOSPC), without needing root.
    yf::staged_file second = first;
    second.tensors[0].bytes[0] = 8;
    struct rlimit old_limit {};
    BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    void (*old_handler)(int) = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old_limit;
    small.rlim_cur = 64;
    BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    BOOST_CHECK_EXCEPTION(yf::write_file(path, second), mlrun::io_error, [&](const mlrun::io_error& e) {
        return std::string(e.what()).find(path + ": cannot be written") == 0;
    });
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    std::signal(SIGXFSZ, old_handler);
    const yf::staged_file kept = yf::read_file(path);
    BOOST_TEST(yf::write_text(kept) == before);
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file() ? 1 : 0;
    BOOST_TEST(files == 1u, "the failed save left its temporary behind");
    std::remove(path.c_str());
    ::rmdir(dir);
}

BOOST_AUTO_TEST_CASE(value_blocks_read_directly_leave_everything_else_to_the_yaml_parser)
{
    // A blank line inside a block, a metadata string after the tensors that
    // looks like a value block, and a tensor written in flow style.
    const std::string text = header +
                             "tensors:\n- name: w\n  dtype: int64\n  shape: [2]\n  values: |\n    1\n\n    2\n"
                             "- {name: f, dtype: float32, shape: [1], values: '0.5'}\n"
                             "metadata:\n  note: |\n    tensors:\n      values: |\n    x\n";
    const yf::staged_file file = yf::parse_text(text, "mixed.yaml");
    BOOST_REQUIRE(file.tensors.size() == 2);
    const std::vector<std::int64_t> expected = {1, 2};
    BOOST_TEST(std::memcmp(file.tensors[0].bytes.data(), expected.data(), 16) == 0);
    float half = 0;
    std::memcpy(&half, file.tensors[1].bytes.data(), 4);
    BOOST_TEST(half == 0.5f);  // exact: 0.5 is a float
    BOOST_REQUIRE(file.metadata.size() == 1);
    BOOST_TEST(file.metadata[0].second == "tensors:\n  values: |\nx\n");
    // A bad value after the blank line is placed on its own line.
    const std::string bad = header + "tensors:\n- name: w\n  dtype: int64\n  shape: [2]\n  values: |\n    1\n\n    2.5\n";
    BOOST_TEST(error_of(bad) == "bad.yaml:9:5: tensor 'w': value #1: expected an int64, found '2.5'");
}

// A checkpoint carries the crc32c of everything after its checksum line:
// any change there is an error naming the file; without the line (edited
// by hand) the file reads as it is. Architecture files carry none.
BOOST_AUTO_TEST_CASE(checkpoints_carry_a_checksum_line)
{
    char dir[] = "/tmp/mlrun-yaml-crc-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/cp.yaml";
    yf::staged_file file;
    file.set_meta("training_state", "epoch: 2\n");
    file.tensors.push_back(numeric<float>("dense/kernel", MLRUN_DTYPE_FLOAT32, {0.5f, -1.25f}, {2}));
    yf::write_file(path, file);
    std::string text = file_text(path);
    const std::size_t line = text.find("\ncrc32c: 0x");
    BOOST_REQUIRE(line != std::string::npos);
    BOOST_TEST(line < text.find("\nmetadata:"));
    BOOST_TEST(yf::parse_text(text, "cp.yaml").tensors.size() == 1u);

    std::string changed = text;
    changed[changed.find("0.5")] = '2';  // another valid value: only the checksum can tell
    BOOST_TEST(error_of(changed, "cp.yaml").find("cp.yaml: file changed after it was written") != std::string::npos);
    BOOST_TEST(error_of(text.substr(0, text.size() - 5), "cp.yaml").find("file changed after it was written") !=
               std::string::npos);
    const std::size_t line_end = text.find('\n', line + 1);
    std::string edited = text.substr(0, line + 1) + text.substr(line_end + 1);
    edited[edited.find("0.5")] = '2';
    const yf::staged_file by_hand = yf::parse_text(edited, "cp.yaml");
    float first = 0.0f;
    std::memcpy(&first, by_hand.tensors[0].bytes.data(), sizeof first);
    BOOST_TEST(first == 2.5f);

    yf::staged_file architecture;
    architecture.set_meta("model_config", "- Dense: {units: 2}\n");
    yf::write_file(path, architecture);
    text = file_text(path);
    BOOST_TEST(text.find("mlrun_yaml: 1") != std::string::npos);
    BOOST_TEST(text.find("crc32c") == std::string::npos);
    std::remove(path.c_str());
    ::rmdir(dir);
}
