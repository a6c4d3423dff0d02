// Loader failures: each broken plugin is skipped with a clear reason, and
// the plugins next to it stay usable.
#define BOOST_TEST_MODULE plugin_loader
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "support/temp_files.hpp"

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

}  // namespace

BOOST_AUTO_TEST_CASE(each_broken_plugin_has_a_reason_and_the_good_one_loads)
{
    const plugin_registry r({fixtures()});
    BOOST_TEST(contains(reason_for(r, "libfixture_future_abi.so"), "ABI 99.0, host ABI 1.0 (major versions must match)"),
               reason_for(r, "libfixture_future_abi.so"));
    BOOST_TEST(contains(reason_for(r, "libfixture_no_entry.so"), "not an mlrun plugin"), reason_for(r, "libfixture_no_entry.so"));
    BOOST_TEST(contains(reason_for(r, "libfixture_entry_throws.so"), "the plugin's entry threw: fixture entry failed on purpose"),
               reason_for(r, "libfixture_entry_throws.so"));
    BOOST_TEST(contains(reason_for(r, "libfixture_entry_refuses.so"), "returned no descriptor"),
               reason_for(r, "libfixture_entry_refuses.so"));
    BOOST_TEST(contains(reason_for(r, "libfixture_needs_dependency.so"), "cannot load"),
               reason_for(r, "libfixture_needs_dependency.so"));
    BOOST_TEST(contains(reason_for(r, "libfixture_needs_dependency.so"), "libfixture_dependency.so"),
               reason_for(r, "libfixture_needs_dependency.so"));

    // The good plugin next to them works.
    backend good(r.find(MLRUN_PLUGIN_BACKEND, "good"), {});
    float y[3] = {};
    good.fill(3, 2.5f, y);  // the fixture has no kernels: the reference runs
    BOOST_TEST(y[2] == 2.5f);
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
