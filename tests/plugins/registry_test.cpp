// Plugin discovery: the built-in reference backend, the plugin files of the
// build tree, and files that are skipped with a reason.
#define BOOST_TEST_MODULE plugin_registry
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include "mlrun/checkpoint/format.hpp"

#include <fstream>
#include <iterator>

using namespace mlrun;

namespace {

std::string build_plugins() { return testing::binary_dir() + "/lib/mlrun/plugins"; }

const skipped_plugin* skipped_file(const plugin_registry& r, const std::string& name)
{
    for (const skipped_plugin& s : r.skipped()) {
        if (s.path.find(name) != std::string::npos) return &s;
    }
    return nullptr;
}

// Whether this process has `file` mapped, i.e. has loaded it.
bool mapped(const boost::filesystem::path& file)
{
    std::ifstream maps("/proc/self/maps");
    const std::string listing{std::istreambuf_iterator<char>(maps), std::istreambuf_iterator<char>()};
    return listing.find(file.string()) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reference_backend_is_built_in)
{
    const plugin_registry registry({});
    const plugin_record& reference = registry.find(MLRUN_PLUGIN_BACKEND, "reference");
    BOOST_TEST(reference.path == "built-in");
    BOOST_TEST(reference.abi_major == unsigned{MLRUN_ABI_MAJOR});
    backend be(reference, {});
    BOOST_TEST(be.provided_kernels().size() == backend::kernel_names().size());
}

BOOST_AUTO_TEST_CASE(reference_plugin_file_is_found_and_loaded)
{
    const plugin_registry registry({build_plugins()});
    const plugin_record& reference = registry.find(MLRUN_PLUGIN_BACKEND, "reference");
    BOOST_TEST(reference.path.find("libmlrun_backend_reference.so") != std::string::npos, reference.path);
    BOOST_TEST(reference.version == "1.0.0");
    // Its kernels compute: C = A B for 1x2 by 2x1.
    backend be(reference, {{"threads", "1"}});
    const float a[] = {1.0f, 2.0f};
    const float b[] = {3.0f, 4.0f};
    float c = 0.0f;
    be.gemm(false, false, 1, 1, 2, 1.0f, a, 2, b, 1, 0.0f, &c, 1);
    BOOST_TEST(c == 11.0f);
}

BOOST_AUTO_TEST_CASE(files_that_are_not_plugins_are_skipped_with_a_reason)
{
    testing::temp_directory dir;
    dir.write("libnot_a_library.so", "plain text, not ELF");
    const plugin_registry registry({dir.path});
    const skipped_plugin* s = skipped_file(registry, "libnot_a_library.so");
    BOOST_REQUIRE(s != nullptr);
    BOOST_TEST(s->reason.find("not a readable shared library") != std::string::npos, s->reason);
}

BOOST_AUTO_TEST_CASE(a_shared_library_without_the_entry_is_not_a_plugin)
{
    // libmlrun.so itself is a real shared library with no plugin entry.
    testing::temp_directory dir;
    boost::filesystem::copy_file(testing::binary_dir() + "/lib/libmlrun.so", dir.path / "libmlrun.so");
    const plugin_registry registry({dir.path});
    const skipped_plugin* s = skipped_file(registry, "libmlrun.so");
    BOOST_REQUIRE(s != nullptr);
    BOOST_TEST(s->reason.find("not an mlrun plugin") != std::string::npos, s->reason);
}

BOOST_AUTO_TEST_CASE(unknown_backend_lists_what_exists_and_what_was_skipped)
{
    testing::temp_directory dir;
    dir.write("libbroken.so", "garbage");
    const plugin_registry registry({dir.path});
    try {
        registry.find(MLRUN_PLUGIN_BACKEND, "fast");
        BOOST_FAIL("expected a plugin_error");
    } catch (const plugin_error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("unknown backend 'fast'; available: reference") != std::string::npos, message);
        BOOST_TEST(message.find("libbroken.so") != std::string::npos, message);
    }
}

BOOST_AUTO_TEST_CASE(discovery_loads_nothing_and_use_loads_only_what_is_used)
{
    testing::temp_directory dir;
    const char* const files[] = {"libmlrun_backend_reference.so", "libmlrun_format_yaml.so", "libmlrun_format_hdf5.so"};
    for (const char* f : files) boost::filesystem::copy_file(build_plugins() + "/" + f, dir.path / f);
    const plugin_registry registry({dir.path});
    for (const char* f : files) BOOST_TEST(!mapped(dir.path / f), f << " was loaded by discovery");

    // What choosing a format needs comes from the files, unloaded.
    const plugin_record& yaml = registry.find(MLRUN_PLUGIN_FORMAT, "yaml");
    BOOST_TEST((yaml.suffixes == std::vector<std::string>{".yaml", ".yml"}));
    BOOST_TEST(registry.find(MLRUN_PLUGIN_FORMAT, "hdf5").description.find("Keras HDF5") != std::string::npos);

    const format used(yaml);
    BOOST_TEST(mapped(dir.path / "libmlrun_format_yaml.so"));
    BOOST_TEST(!mapped(dir.path / "libmlrun_format_hdf5.so"));
    BOOST_TEST(!mapped(dir.path / "libmlrun_backend_reference.so"));
}
