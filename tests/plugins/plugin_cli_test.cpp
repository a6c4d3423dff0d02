// The mlrun command with plugins that crash, abort, exit or hang while
// loading next to good ones: they are listed without running, only the
// plugins a command uses are loaded, and one that dies while loading is an
// error naming the file and what happened, never the end of mlrun.
#define BOOST_TEST_MODULE plugin_cli
#include <boost/test/unit_test.hpp>

#include "support/run_command.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <sys/stat.h>

#include <cstdlib>

using namespace mlrun;
namespace fs = boost::filesystem;

namespace {

fs::path fixtures() { return std::getenv("MLRUN_FIXTURE_PLUGINS"); }

const char* const dying_plugins[] = {"segfault_on_load", "abort_on_load", "exit_on_load", "hang_on_load"};

// A plugin directory holding these fixtures.
struct plugin_dir {
    testing::temp_directory dir;
    explicit plugin_dir(std::initializer_list<std::string> names)
    {
        for (const std::string& n : names) fs::copy_file(fixtures() / ("libfixture_" + n + ".so"), dir.path / ("libfixture_" + n + ".so"));
    }
    std::string option() const { return "--plugin-dir '" + dir.path.string() + "'"; }
};

// Killed after 60 s, so that a hang is a failure, not a stuck suite.
testing::command_result run_mlrun(const std::string& arguments, const std::string& environment = "")
{
    const testing::command_result r = testing::run_command("cd '" + testing::source_dir() + "' && " + environment +
                                                           " timeout 60 '" + testing::binary_dir() + "/bin/mlrun' " +
                                                           arguments);
    BOOST_TEST_REQUIRE(r.exit_code >= 0, "mlrun " << arguments << " died: " << r.output);
    BOOST_TEST(r.exit_code < 124, "mlrun " << arguments << " crashed or hung: " << r.output);
    return r;
}

// Under AddressSanitizer the probe would report a segfault and exit 1
// instead of dying from it; let it die as a plain build does.
const std::string let_segfaults_kill = "ASAN_OPTIONS=\"$ASAN_OPTIONS:handle_segv=0\"";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string tiny_experiment(const testing::temp_directory& dir, const std::string& extra = "")
{
    return dir.write("exp.yaml",
                     "data: {path: data/mnist, train: {take: 64}, test: {take: 64}, flatten: true}\n"
                     "model:\n"
                     "  - Dense: {units: 8, activation: relu, input_shape: [784]}\n"
                     "  - Dense: {units: 10, activation: softmax}\n"
                     "compile: {loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
                     "fit: {epochs: 1, verbose: 2}\n" +
                         extra);
}

}  // namespace

BOOST_AUTO_TEST_CASE(plugins_lists_plugins_that_die_while_loading_without_running_them)
{
    const plugin_dir plugins({"segfault_on_load", "abort_on_load", "exit_on_load", "hang_on_load", "good"});
    const testing::command_result r = run_mlrun("plugins " + plugins.option());
    BOOST_TEST(r.exit_code == 0, r.output);
    for (const char* name : dying_plugins) {
        BOOST_TEST(contains(r.output, std::string(name) + " "), name << " is not listed: " << r.output);
        BOOST_TEST(contains(r.output, "libfixture_" + std::string(name) + ".so"), r.output);
    }
    BOOST_TEST(contains(r.output, "test fixture"), r.output);  // the description, from the facts record
}

BOOST_AUTO_TEST_CASE(a_run_loads_only_the_plugins_it_uses)
{
    const plugin_dir plugins({"segfault_on_load", "abort_on_load", "exit_on_load", "hang_on_load"});
    testing::temp_directory dir;
    const testing::command_result r = run_mlrun(tiny_experiment(dir) + " " + plugins.option());
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "Test (64 samples)"), r.output);
}

BOOST_AUTO_TEST_CASE(a_backend_that_dies_while_loading_is_an_error_naming_it_and_how)
{
    const plugin_dir plugins({"segfault_on_load", "abort_on_load", "exit_on_load", "hang_on_load"});
    testing::temp_directory dir;
    const std::string config = tiny_experiment(dir);
    const std::pair<std::string, std::string> cases[] = {
        {"segfault_on_load", "crashed while loading: signal SIGSEGV"},
        {"abort_on_load", "crashed while loading: signal SIGABRT"},
        {"exit_on_load", "exited with status 0 while loading, before it reported success"},
        {"hang_on_load", "did not finish loading within 1 s"},
    };
    for (const auto& [name, what] : cases) {
        const testing::command_result r =
            run_mlrun(config + " backend=" + name + " " + plugins.option(), "MLRUN_PLUGIN_PROBE_TIMEOUT=1 " + let_segfaults_kill);
        BOOST_TEST(r.exit_code == 5, name << ": " << r.output);
        BOOST_TEST(contains(r.output, "libfixture_" + name + ".so: backend '" + name + "' could not be loaded: " + what),
                   r.output);
    }
}

BOOST_AUTO_TEST_CASE(plugins_v_reports_a_backend_that_cannot_load_and_goes_on)
{
    const plugin_dir plugins({"segfault_on_load"});
    const testing::command_result r = run_mlrun("plugins -v " + plugins.option(), let_segfaults_kill);
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "cannot show its kernels: "), r.output);
    BOOST_TEST(contains(r.output, "signal SIGSEGV"), r.output);
    BOOST_TEST(contains(r.output, "kernels: fill axpby gemm"), r.output);  // the reference, listed after it
}

BOOST_AUTO_TEST_CASE(a_world_writable_plugin_directory_or_file_is_a_warning)
{
    const plugin_dir open_directory({"good"});
    ::chmod(open_directory.dir.path.c_str(), 0777);
    const testing::command_result dir_result = run_mlrun("plugins " + open_directory.option());
    BOOST_TEST(dir_result.exit_code == 0, dir_result.output);
    BOOST_TEST(contains(dir_result.output, "warning: plugin directory " + open_directory.dir.path.string() +
                                               " is world-writable"),
               dir_result.output);

    const plugin_dir open_file({"good"});
    const fs::path file = open_file.dir.path / "libfixture_good.so";
    ::chmod(file.c_str(), 0666);
    const testing::command_result file_result = run_mlrun("plugins " + open_file.option());
    BOOST_TEST(contains(file_result.output, "warning: plugin file " + file.string() + " is world-writable"),
               file_result.output);
    BOOST_TEST(!contains(file_result.output, "warning: plugin directory"), file_result.output);
}

BOOST_AUTO_TEST_CASE(a_plugin_dir_that_is_no_directory_is_a_usage_error)
{
    testing::temp_directory dir;
    const std::string file = dir.write("plain.txt", "not a directory");
    const std::pair<std::string, std::string> cases[] = {
        {"''", "--plugin-dir '': expected a directory, found an empty argument"},
        {"/nonexistent/plugins", "--plugin-dir '/nonexistent/plugins': expected a directory, found nothing there"},
        {"'" + file + "'", "--plugin-dir '" + file + "': expected a directory, found a file"},
    };
    for (const auto& [argument, message] : cases) {
        const testing::command_result r = run_mlrun("plugins --plugin-dir " + argument);
        BOOST_TEST(r.exit_code == 2, argument << ": " << r.output);
        BOOST_TEST(contains(r.output, message), r.output);
    }
}

BOOST_AUTO_TEST_CASE(relative_search_paths_are_relative_to_the_file_that_sets_them)
{
    // base/base.yaml names base/plugins; exp.yaml extends it from elsewhere;
    // mlrun runs in the source tree, where neither directory is.
    testing::temp_directory dir;
    fs::create_directories(dir.path / "base" / "plugins");
    fs::copy_file(fixtures() / "libfixture_good.so", dir.path / "base" / "plugins" / "libfixture_good.so");
    dir.write("base/base.yaml", "plugins: {search_paths: [plugins]}\nbackend: good\n");
    const std::string config = tiny_experiment(dir, "extends: [base/base.yaml]\n");
    const testing::command_result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "Test (64 samples)"), r.output);

    // Set in the experiment itself: relative to its own directory.
    testing::temp_directory own;
    fs::create_directories(own.path / "my_plugins");
    fs::copy_file(fixtures() / "libfixture_good.so", own.path / "my_plugins" / "libfixture_good.so");
    const std::string own_config = tiny_experiment(own, "plugins: {search_paths: [my_plugins]}\nbackend: good\n");
    const testing::command_result own_result = run_mlrun(own_config);
    BOOST_TEST(own_result.exit_code == 0, own_result.output);
}

// The run's first line says how many threads the backend really uses: the
// reference (ABI 1.4's threads entry: 1) is given 2 but runs on one.
BOOST_AUTO_TEST_CASE(the_first_line_says_when_a_backend_runs_on_fewer_threads_than_given)
{
    testing::temp_directory dir;
    const std::string experiment = tiny_experiment(dir);
    const testing::command_result reference = run_mlrun("'" + experiment + "' backend=reference backend.threads=2");
    BOOST_TEST(reference.exit_code == 0, reference.output);
    BOOST_TEST(reference.output.rfind(
                   "1 thread (backend.threads: 2): the reference backend runs its kernels on 1 of the 2 it was given\n",
                   0) == 0,
               reference.output);

    // Left to the default, the line gives both the count and why.
    const testing::command_result by_default = run_mlrun("'" + experiment + "' backend=reference");
    BOOST_TEST(by_default.exit_code == 0, by_default.output);
    BOOST_TEST(by_default.output.rfind("1 thread (backend.threads: 0): ", 0) == 0, by_default.output);
    BOOST_TEST(contains(by_default.output, "in its affinity mask"), by_default.output);
}

// A backend that uses the threads it is given adds no line to an explicit count.
BOOST_AUTO_TEST_CASE(a_backend_using_every_thread_given_adds_no_line)
{
    testing::temp_directory dir;
    const std::string experiment = tiny_experiment(dir);
    const testing::command_result r = run_mlrun("'" + experiment + "' backend=onednn backend.threads=2");
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(!contains(r.output, " thread"), r.output);
}
