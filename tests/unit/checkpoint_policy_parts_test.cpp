// The pieces of the checkpoint policy: the `checkpoint` state file, save
// frequencies with units, and path templates.
#define BOOST_TEST_MODULE checkpoint_policy_parts
#include <boost/test/unit_test.hpp>

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/checkpoint/path_template.hpp"
#include "mlrun/checkpoint/save_frequency.hpp"
#include "mlrun/checkpoint/stale_temporaries.hpp"
#include "support/interop_fixtures.hpp"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

using namespace mlrun;
using mlrun::testing::fixture;
using mlrun::testing::needs_interop_fixtures;
namespace fs = std::filesystem;

namespace {

std::string file_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot be read");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct temp_dir {
    fs::path dir;
    temp_dir()
    {
        std::string pattern = (fs::temp_directory_path() / "mlrun-state-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
        dir = pattern;
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string path(const std::string& name) const { return (dir / name).string(); }
};

template <class Body> std::string error_of(Body&& body)
{
    try {
        body();
    } catch (const mlrun::error& e) {
        return e.what();
    }
    BOOST_FAIL("expected an mlrun::error, none was thrown");
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(state_file)

BOOST_AUTO_TEST_CASE(tensorflow_state_files_parse_and_are_written_back_byte_for_byte, *needs_interop_fixtures())
{
    const char* const files[] = {
        "tf1-saver-adam-mlp/checkpoint",
        "tf1-saver-tiny-mlp/checkpoint",
        "tf2-checkpoint-manager-adam/checkpoint",
        "tf2-keras-subclassed-save-weights/checkpoint",
        "tf2-save-weights-unbuilt/checkpoint",
        "tf2.0a-keras-save-weights-mlp/index-only/checkpoint",
        "tf2.11-keras-checkpoint-manager/checkpoint",
        "tf2.11-keras-save-weights-sequential/checkpoint",
    };
    for (const char* file : files) {
        BOOST_TEST_CONTEXT(file)
        {
            const std::string text = file_text(fixture(file));
            BOOST_TEST(format_checkpoint_state(parse_checkpoint_state(text, file)) == text);
        }
    }
    const checkpoint_state manager =
        parse_checkpoint_state(file_text(fixture("tf2-checkpoint-manager-adam/checkpoint")), "checkpoint");
    BOOST_TEST(manager.model_checkpoint_path == "ckpt-40");
    BOOST_TEST(manager.all_model_checkpoint_paths == (std::vector<std::string>{"ckpt-38", "ckpt-39", "ckpt-40"}),
               boost::test_tools::per_element());
    BOOST_TEST(manager.all_model_checkpoint_timestamps.at(1) == 1631786674.9779377);
    BOOST_TEST(*manager.last_preserved_timestamp == 1631779547.777057);
}

BOOST_AUTO_TEST_CASE(latest_checkpoint_behaves_like_tensorflows, *needs_interop_fixtures())
{
    BOOST_TEST(*latest_checkpoint(fixture("tf2-checkpoint-manager-adam")) == fixture("tf2-checkpoint-manager-adam") + "/ckpt-40");
    BOOST_TEST(*latest_checkpoint(fixture("tf2.11-keras-save-weights-sequential")) ==
               fixture("tf2.11-keras-save-weights-sequential") + "/my_checkpoint");
    // The index-only fixture names cp-0050.ckpt, whose .index is there.
    BOOST_TEST(latest_checkpoint(fixture("tf2.0a-keras-save-weights-mlp/index-only")).has_value());
    temp_dir dir;
    BOOST_TEST(!latest_checkpoint(dir.dir.string()).has_value());  // no state file
    write_checkpoint_state(dir.dir.string(), {"gone.ckpt", {"gone.ckpt"}, {}, std::nullopt});
    BOOST_TEST(!latest_checkpoint(dir.dir.string()).has_value());  // it names a checkpoint that is not there
    std::ofstream(dir.path("here.ckpt.index")) << "x";
    write_checkpoint_state(dir.dir.string(), {"here.ckpt", {"here.ckpt"}, {}, std::nullopt});
    BOOST_TEST(*latest_checkpoint(dir.dir.string()) == dir.path("here.ckpt"));
    write_checkpoint_state(dir.dir.string(), {dir.path("here.ckpt"), {}, {}, std::nullopt});  // absolute paths stay
    BOOST_TEST(*latest_checkpoint(dir.dir.string()) == dir.path("here.ckpt"));
}

BOOST_AUTO_TEST_CASE(writing_replaces_the_file_and_leaves_no_temporary)
{
    temp_dir dir;
    checkpoint_state state{"cp-0010.ckpt", {"cp-0005.ckpt", "cp-0010.ckpt"}, {1700000000.5, 1700000100.0}, 1699999999.0};
    write_checkpoint_state(dir.dir.string(), state);
    BOOST_TEST(file_text(dir.path("checkpoint")) ==
               "model_checkpoint_path: \"cp-0010.ckpt\"\n"
               "all_model_checkpoint_paths: \"cp-0005.ckpt\"\n"
               "all_model_checkpoint_paths: \"cp-0010.ckpt\"\n"
               "all_model_checkpoint_timestamps: 1700000000.5\n"
               "all_model_checkpoint_timestamps: 1700000100.0\n"
               "last_preserved_timestamp: 1699999999.0\n");
    state.model_checkpoint_path = "odd \"name\"\\\n.ckpt";
    write_checkpoint_state(dir.dir.string(), state);
    BOOST_TEST(read_checkpoint_state(dir.dir.string())->model_checkpoint_path == state.model_checkpoint_path);
    BOOST_TEST(std::distance(fs::directory_iterator(dir.dir), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(a_malformed_state_file_is_an_error_with_its_line)
{
    BOOST_TEST(contains(error_of([] { parse_checkpoint_state("model_checkpoint_path: \"a\"\nall_model_checkpoint_paths: b\n", "dir/checkpoint"); }),
                        "dir/checkpoint:2: all_model_checkpoint_paths: expected a quoted string, found b"));
    BOOST_TEST(contains(error_of([] { parse_checkpoint_state("garbage\n", "dir/checkpoint"); }),
                        "dir/checkpoint:1: expected 'field: value'"));
    BOOST_TEST(contains(error_of([] { parse_checkpoint_state("all_model_checkpoint_timestamps: soon\n", "c"); }),
                        "c:1: all_model_checkpoint_timestamps: expected a number, found soon"));
    BOOST_TEST(contains(error_of([] { parse_checkpoint_state("\n", "c"); }), "c: no model_checkpoint_path"));
    // Fields a newer writer adds are skipped.
    BOOST_TEST(parse_checkpoint_state("model_checkpoint_path: 'x'\nsome_future_field: 3\n", "c").model_checkpoint_path == "x");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(frequency)

BOOST_AUTO_TEST_CASE(units_are_part_of_the_value)
{
    const save_frequency one = parse_save_frequency("1 epoch", "f");
    BOOST_TEST((one.per == save_frequency::unit::epochs && one.count == 1));
    const save_frequency five = parse_save_frequency("5 epochs", "f");
    BOOST_TEST((five.per == save_frequency::unit::epochs && five.count == 5));
    const save_frequency steps = parse_save_frequency("500 steps", "f");
    BOOST_TEST((steps.per == save_frequency::unit::steps && steps.count == 500));
    BOOST_TEST(to_string(parse_save_frequency("  3   batches ", "f")) == "3 steps");
    BOOST_TEST(to_string(five) == "5 epochs");
    BOOST_TEST(to_string(parse_save_frequency("1 step", "f")) == "1 step");
    const save_frequency half_hour = parse_save_frequency("30 min", "f");
    BOOST_TEST((half_hour.per == save_frequency::unit::seconds && half_hour.count == 1800));
    BOOST_TEST(to_string(half_hour) == "30 min");
    BOOST_TEST(to_string(parse_save_frequency("2 hours", "f")) == "2 h");
    BOOST_TEST(to_string(parse_save_frequency("90 s", "f")) == "90 s");
}

BOOST_AUTO_TEST_CASE(bare_numbers_and_unknown_units_list_the_accepted_forms)
{
    const std::string accepted = "accepted forms: '1 epoch', '5 epochs', '500 steps'";
    const std::string bare = error_of([] { parse_save_frequency("5", "mnist.yaml:31:10: checkpoint.every"); });
    BOOST_TEST(contains(bare, "mnist.yaml:31:10: checkpoint.every: '5': the unit is missing"));
    BOOST_TEST(contains(bare, accepted));
    BOOST_TEST(contains(error_of([] { parse_save_frequency("5 fortnights", "w"); }), "unknown unit 'fortnights'; " + accepted));
    BOOST_TEST(contains(error_of([] { parse_save_frequency("epoch", "w"); }), "expected a whole number and a unit"));
    BOOST_TEST(contains(error_of([] { parse_save_frequency("0 epochs", "w"); }), "between 1 and"));
    BOOST_TEST(contains(error_of([] { parse_save_frequency("2.5 epochs", "w"); }), "expected a whole number"));
    BOOST_TEST(contains(error_of([] { parse_save_frequency("5 epochs please", "w"); }), "unexpected 'please'"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(path_templates)

BOOST_AUTO_TEST_CASE(only_names_the_last_component_can_produce_are_its_files)
{
    const path_template t("training_2/cp-{epoch:04d}.ckpt", "w");
    BOOST_TEST(t.makes_file_name("cp-0005.ckpt"));
    BOOST_TEST(t.makes_file_name("cp-12345.ckpt"));
    BOOST_TEST(!t.makes_file_name("cp.ckpt"));
    BOOST_TEST(!t.makes_file_name("training_2/cp-0005.ckpt"));
    BOOST_TEST(!t.makes_file_name("../cp-0005.ckpt"));
    BOOST_TEST(!t.makes_file_name("/tmp/cp-0005.ckpt"));
    BOOST_TEST(!t.makes_file_name("cp-0005.ckpt.index"));
    BOOST_TEST(!t.makes_file_name("cpx0005.ckpt"));  // the '.' and '-' are literal, not patterns
    BOOST_TEST(!t.makes_file_name("cp-0005xckpt"));
    BOOST_TEST(!t.makes_file_name(""));
    const path_template metrics("run-{epoch}/w.{epoch:02d}-{val_loss:.2f}.h5", "w");
    BOOST_TEST(metrics.makes_file_name("w.07-0.35.h5"));
    BOOST_TEST(metrics.makes_file_name("w.07-nan.h5"));
    BOOST_TEST(!metrics.makes_file_name("w.07-..h5"));
    BOOST_TEST(!metrics.makes_file_name("run-1"));
    const path_template fixed("cp.ckpt", "w");
    BOOST_TEST(fixed.makes_file_name("cp.ckpt"));
    BOOST_TEST(!fixed.makes_file_name("cp.ckpt.previous"));
}

BOOST_AUTO_TEST_CASE(fields_are_formatted_as_python_formats_them)
{
    const path_template t("training_2/cp-{epoch:04d}.ckpt", "w");
    BOOST_TEST(t.format({{"epoch", {5, true}}}) == "training_2/cp-0005.ckpt");
    const path_template metrics("w.{epoch:02d}-{val_loss:.2f}-{accuracy}.ckpt", "w");
    BOOST_TEST(metrics.format({{"epoch", {7, true}}, {"val_loss", {0.35501, false}}, {"accuracy", {0.875, false}}}) ==
               "w.07-0.36-0.875.ckpt");
    BOOST_TEST(path_template("{{literal}}-{step}", "w").format({{"step", {500, true}}}) == "{literal}-500");
    BOOST_TEST(path_template("{loss:8.3f}|{loss:e}|{epoch:.1f}", "w").format({{"loss", {1.5, false}}, {"epoch", {3, true}}}) ==
               "   1.500|1.500000e+00|3.0");
    BOOST_TEST(path_template("{loss}", "w").format({{"loss", {2.0, false}}}) == "2.0");
    BOOST_TEST(path_template("plain.ckpt", "w").fields().empty());
    BOOST_TEST(path_template("{a}{b:03d}{a}", "w").fields() == (std::vector<std::string>{"a", "b", "a"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(malformed_templates_and_misfits_are_named)
{
    BOOST_TEST(contains(error_of([] { path_template("cp-{epoch.ckpt", "mnist.yaml:30:9"); }),
                        "mnist.yaml:30:9: 'cp-{epoch.ckpt': a '{' without its '}'"));
    BOOST_TEST(contains(error_of([] { path_template("cp-}", "w"); }), "a '}' without its '{'"));
    BOOST_TEST(contains(error_of([] { path_template("cp-{epoch:>4x}", "w"); }), "unsupported format '>4x'"));
    BOOST_TEST(contains(error_of([] { path_template("cp-{}", "w"); }), "a field needs a name"));
    BOOST_TEST(contains(error_of([] { path_template("{val_loss:04d}", "w").format({{"val_loss", {0.5, false}}}); }),
                        "{val_loss:04d} formats a whole number, but val_loss has decimals"));
    BOOST_TEST(contains(error_of([] { path_template("{nope}", "w").format({{"epoch", {1, true}}}); }),
                        "no value for {nope}; available: epoch"));
}

BOOST_AUTO_TEST_SUITE_END()

// Temporaries of a killed save go at the next run; a live process's stay.
BOOST_AUTO_TEST_CASE(stale_temporaries_of_gone_processes_are_removed)
{
    char pattern[] = "/tmp/mlrun-temporaries-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(pattern) != nullptr);
    const fs::path dir(pattern);
    const pid_t gone = ::fork();  // a PID certain to be free once reaped
    if (gone == 0) ::_exit(0);
    BOOST_REQUIRE(gone > 0);
    BOOST_REQUIRE(::waitpid(gone, nullptr, 0) == gone);
    const std::string dead = std::to_string(gone);
    const std::string live = std::to_string(::getpid());
    for (const std::string& name : std::vector<std::string>{"cp.ckpt.index.tmp-" + dead + "-0", "cp.h5.tmp-" + dead + "-3", "checkpoint.tmp-" + dead,
                                    "cp.ckpt.index.tmp-" + live + "-0", "cp.ckpt.index", "notes.tmp-x"}) {
        std::ofstream(dir / name) << "x";
    }
    BOOST_TEST(remove_stale_temporaries(dir.string()) == 3);
    BOOST_TEST(!fs::exists(dir / ("cp.h5.tmp-" + dead + "-3")));
    BOOST_TEST(fs::exists(dir / ("cp.ckpt.index.tmp-" + live + "-0")));
    BOOST_TEST(fs::exists(dir / "cp.ckpt.index"));
    BOOST_TEST(fs::exists(dir / "notes.tmp-x"));
    BOOST_TEST(remove_stale_temporaries((dir / "missing").string()) == 0);
    fs::remove_all(dir);
}
