// Loader failures: each broken plugin is skipped with a clear reason, and
// the plugins next to it stay usable.
#define BOOST_TEST_MODULE plugin_loader
#include <boost/test/unit_test.hpp>

#include "mlrun/abi/mlrun_abi.h"
#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "support/temp_files.hpp"

#include <chrono>
#include <cstdlib>

using namespace mlrun;
namespace fs = boost::filesystem;

namespace {

fs::path fixtures() { return std::getenv("MLRUN_FIXTURE_PLUGINS"); }

std::string reason_for(const plugin_registry& r, const std::string& file)
{
    for (const skipped_plugin& s : r.skipped()) {
        if (fs::path(s.path).filename() == file) return s.reason;
    }
    return "(not skipped)";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The error of loading backend `name`, or "(loaded)".
std::string load_failure(const plugin_registry& r, const std::string& name)
{
    try {
        r.find(MLRUN_PLUGIN_BACKEND, name).descriptor();
        return "(loaded)";
    } catch (const plugin_error& e) {
        return e.what();
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_broken_plugin_has_a_reason_and_the_good_one_loads)
{
    const plugin_registry r({fixtures()});
    // Told by the file alone.
    const std::string host_abi = std::to_string(MLRUN_ABI_MAJOR) + "." + std::to_string(MLRUN_ABI_MINOR);
    BOOST_TEST(contains(reason_for(r, "libfixture_future_abi.so"),
                        "ABI 99.0, host ABI " + host_abi + " (major versions must match)"),
               reason_for(r, "libfixture_future_abi.so"));
    BOOST_TEST(contains(reason_for(r, "libfixture_no_entry.so"), "not an mlrun plugin"), reason_for(r, "libfixture_no_entry.so"));
    // Told by loading, when the plugin is used.
    BOOST_TEST(contains(load_failure(r, "entry_throws"), "the plugin's entry threw: fixture entry failed on purpose"),
               load_failure(r, "entry_throws"));
    BOOST_TEST(contains(load_failure(r, "entry_refuses"), "returned no descriptor"), load_failure(r, "entry_refuses"));
    BOOST_TEST(contains(load_failure(r, "needs_dependency"), "cannot load"), load_failure(r, "needs_dependency"));
    BOOST_TEST(contains(load_failure(r, "needs_dependency"), "libfixture_dependency.so"), load_failure(r, "needs_dependency"));
    BOOST_TEST(contains(load_failure(r, "facts_disagree"),
                        "refused: its descriptor's version is '0.0.1', but its facts record says '0.0.2'"),
               load_failure(r, "facts_disagree"));

    // The good plugin next to them works.
    backend good(r.find(MLRUN_PLUGIN_BACKEND, "good"), {});
    float y[3] = {};
    good.fill(3, 2.5f, y);  // the fixture has no kernels: the reference runs
    BOOST_TEST(y[2] == 2.5f);
}

BOOST_AUTO_TEST_CASE(plugins_are_listed_from_their_files_and_not_loaded)
{
    // Four of these die when loaded: listing them must not run them.
    const plugin_registry r({fixtures()});
    for (const char* name : {"segfault_on_load", "abort_on_load", "exit_on_load", "hang_on_load", "good"}) {
        const plugin_record& p = r.find(MLRUN_PLUGIN_BACKEND, name);
        BOOST_TEST(p.version == "0.0.1");
        BOOST_TEST(p.description == "test fixture");
        BOOST_TEST(p.abi_major == unsigned{MLRUN_ABI_MAJOR});
        BOOST_TEST(!p.loaded(), name);
    }
}

BOOST_AUTO_TEST_CASE(a_plugin_that_dies_while_loading_is_an_error_naming_the_file_and_how)
{
    // Under AddressSanitizer the probe would report the segfault and exit 1
    // instead of dying from it; let it die as a plain build does.
    const char* asan = std::getenv("ASAN_OPTIONS");
    ::setenv("ASAN_OPTIONS", (std::string(asan != nullptr ? asan : "") + ":handle_segv=0").c_str(), 1);
    const plugin_registry r({fixtures()});
    BOOST_TEST(contains(load_failure(r, "segfault_on_load"),
                        "libfixture_segfault_on_load.so: backend 'segfault_on_load' could not be loaded: crashed while "
                        "loading: signal SIGSEGV (Segmentation fault)"),
               load_failure(r, "segfault_on_load"));
    BOOST_TEST(contains(load_failure(r, "abort_on_load"), "libfixture_abort_on_load.so: backend 'abort_on_load' could "
                                                          "not be loaded: crashed while loading: signal SIGABRT"),
               load_failure(r, "abort_on_load"));
    BOOST_TEST(contains(load_failure(r, "exit_on_load"),
                        "libfixture_exit_on_load.so: backend 'exit_on_load' could not be loaded: exited with status 0 "
                        "while loading, before it reported success"),
               load_failure(r, "exit_on_load"));
    // A failure is remembered: asking again neither probes nor loads again.
    BOOST_TEST(load_failure(r, "exit_on_load") == load_failure(r, "exit_on_load"));
}

BOOST_AUTO_TEST_CASE(a_plugin_that_hangs_while_loading_is_given_up_on)
{
    ::setenv("MLRUN_PLUGIN_PROBE_TIMEOUT", "0.5", 1);
    const plugin_registry r({fixtures()});
    const auto started = std::chrono::steady_clock::now();
    const std::string failure = load_failure(r, "hang_on_load");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ::unsetenv("MLRUN_PLUGIN_PROBE_TIMEOUT");
    BOOST_TEST(contains(failure, "libfixture_hang_on_load.so: backend 'hang_on_load' could not be loaded: did not "
                                 "finish loading within 0.5 s"),
               failure);
    BOOST_TEST(seconds < 5.0);  // the limit, plus room for a loaded machine
}

BOOST_AUTO_TEST_CASE(a_plugin_without_facts_is_probed_to_be_listed)
{
    // Built before facts records existed: loading is the only way to learn
    // what it is, and it happens behind a probe.
    const plugin_registry r({fixtures()});
    const plugin_record& p = r.find(MLRUN_PLUGIN_BACKEND, "no_facts");
    BOOST_TEST(p.version == "0.0.1");
    BOOST_TEST(p.loaded());
}

BOOST_AUTO_TEST_CASE(a_backend_whose_create_fails_says_so)
{
    const plugin_registry r({fixtures()});
    try {
        backend b(r.find(MLRUN_PLUGIN_BACKEND, "create_fails"), {});
        BOOST_FAIL("expected a plugin_error");
    } catch (const plugin_error& e) {
        BOOST_TEST(contains(e.what(), "backend 'create_fails' could not be created: the fixture's device is missing"),
                   e.what());
        BOOST_TEST(contains(e.what(), "libfixture_create_fails.so"), e.what());
    }
}

BOOST_AUTO_TEST_CASE(two_plugins_with_one_name_are_an_error_when_used)
{
    testing::temp_directory a;
    testing::temp_directory b;
    fs::copy_file(fixtures() / "libfixture_good.so", a.path / "libfixture_good.so");
    fs::copy_file(fixtures() / "libfixture_good.so", b.path / "libgood_copy.so");
    const plugin_registry r({a.path, b.path});
    try {
        r.find(MLRUN_PLUGIN_BACKEND, "good");
        BOOST_FAIL("expected a plugin_error");
    } catch (const plugin_error& e) {
        BOOST_TEST(contains(e.what(), "backend 'good' is provided by two plugins"), e.what());
        BOOST_TEST(contains(e.what(), "libgood_copy.so"), e.what());
    }
    // Other plugins are still there.
    BOOST_TEST(r.find(MLRUN_PLUGIN_BACKEND, "reference").path == "built-in");
}
