// A host of this ABI takes plugins built for ABI 1.0 as they are: their
// tables are shorter, and what lies past struct_size is never read. The
// two plugins (abi_1_0/) are built with a frozen copy of the 1.0 tables;
// past each table lie entries that fail loudly if the host calls them.
#define BOOST_TEST_MODULE plugin_abi_compat
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/format_listing.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "support/temp_files.hpp"

#include <algorithm>
#include <cstdlib>

using namespace mlrun;

namespace {

const plugin_registry& registry()
{
    static const plugin_registry r({std::getenv("MLRUN_ABI_1_0_PLUGINS")});
    return r;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class Body> std::string error_of(Body&& body)
{
    try {
        body();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

checkpoint sample_checkpoint()
{
    checkpoint c;
    tensor kernel(shape{2, 3});
    for (int i = 0; i < 6; ++i) kernel.f32()[i] = 0.5f * static_cast<float>(i) - 1.0f;
    c.tensors.emplace_back("dense/kernel", kernel);
    c.metadata["model_config"] = "{\"class_name\": \"Sequential\"}";
    return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_1_0_backend_runs_its_kernel_and_the_reference_runs_the_rest)
{
    const plugin_record& plugin = registry().find(MLRUN_PLUGIN_BACKEND, "backend_1_0");
    BOOST_TEST(plugin.abi_minor == 0u);
    backend b(plugin, {});
    BOOST_TEST(b.provided_kernels() == std::vector<std::string>{"fill"});

    float y[3] = {};
    b.fill(3, 1.5f, y);
    BOOST_TEST(y[2] == 3.0f);  // the plugin's fill writes 2 * value: its code ran

    // axpby is NULL in its table: the reference computes y = 2 x + 0 y.
    const float x[3] = {1.0f, 2.0f, 3.0f};
    b.axpby(3, 2.0f, x, 0.0f, y);
    BOOST_TEST(y[2] == 6.0f);
}

BOOST_AUTO_TEST_CASE(a_1_0_backend_that_fails_to_create_is_explained_by_its_1_0_last_error)
{
    const plugin_record& plugin = registry().find(MLRUN_PLUGIN_BACKEND, "backend_1_0");
    const std::string error = error_of([&] { backend refused(plugin, {{"fail", "1"}}); });
    // Not the message of the entry past its table, which a host reading too far would call.
    BOOST_TEST(contains(error, "could not be created: the 1.0 backend was asked to fail"), error);
}

BOOST_AUTO_TEST_CASE(a_1_0_format_saves_loads_and_lists_without_the_1_1_inspect)
{
    const testing::temp_directory dir;
    const std::string path = (dir.path / "model.v10").string();
    const format f(registry().find(MLRUN_PLUGIN_FORMAT, "format_1_0"));
    BOOST_TEST(f.save_path_problem(path) == "");  // no check_save_path: any path
    f.save(path, sample_checkpoint());

    const checkpoint back = f.load(path);
    BOOST_REQUIRE(back.tensors.size() == 1u);
    BOOST_TEST(back.tensors[0].first == "dense/kernel");
    BOOST_TEST(back.tensors[0].second.f32()[5] == 1.5f);
    BOOST_TEST(back.metadata.at("model_config") == "{\"class_name\": \"Sequential\"}");

    // inspect is past the 1.0 table: the host lists the file through open().
    const checkpoint_listing listing = list_tensors(registry().find(MLRUN_PLUGIN_FORMAT, "format_1_0"), path);
    BOOST_REQUIRE(listing.tensors.size() == 1u);
    BOOST_TEST(listing.tensors[0].dims.dims() == (std::vector<std::int64_t>{2, 3}));
}

BOOST_AUTO_TEST_CASE(an_entry_a_1_0_format_leaves_out_is_not_supported)
{
    const testing::temp_directory dir;
    const std::string path = (dir.path / "text.v10").string();
    const format f(registry().find(MLRUN_PLUGIN_FORMAT, "format_1_0"));
    checkpoint c;
    tensor text(dtype::string, shape(std::vector<std::int64_t>{}));
    text.strings()[0] = "hello";
    c.tensors.emplace_back("note", text);
    f.save(path, c);
    const std::string error = error_of([&] { f.load(path); });
    BOOST_TEST(contains(error, "cannot read tensor 'note': the format_1_0 format does not support reading string "
                               "tensors"),
               error);
}
