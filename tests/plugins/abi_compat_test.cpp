// A host of this ABI takes plugins built for ABI 1.0 and 1.1 as they are:
// their tables are shorter, and what lies past struct_size is never read.
// The plugins (abi_1_0/, abi_1_1/) are built with frozen copies of those
// tables; past each table lie entries that fail loudly if the host calls
// them.
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
    static const plugin_registry r({std::getenv("MLRUN_OLDER_ABI_PLUGINS")});
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

// The 1.2 kernels lie past a 1.1 table: the reference runs them.
BOOST_AUTO_TEST_CASE(a_1_1_backend_runs_its_kernel_and_the_reference_runs_the_1_2_ones)
{
    const plugin_record& plugin = registry().find(MLRUN_PLUGIN_BACKEND, "backend_1_1");
    BOOST_TEST(plugin.abi_minor == 1u);
    backend b(plugin, {});
    BOOST_TEST(b.provided_kernels() == std::vector<std::string>{"fill"});
    BOOST_TEST(backend::kernel_names().back() == "conv2d_backward_weights_bf16");
    BOOST_TEST(!b.threads().has_value());  // 1.4's threads entry lies past its table

    float y[4] = {};
    b.fill(4, 1.5f, y);
    BOOST_TEST(y[3] == 4.5f);  // the plugin's fill writes 3 * value: its code ran

    // A 1x1 convolution of a 2x2 single-channel image by 2: the reference's.
    mlrun_conv2d_shape s{};
    s.batch = s.in_channels = s.out_channels = 1;
    s.in_height = s.in_width = s.out_height = s.out_width = 2;
    s.kernel_height = s.kernel_width = s.stride_height = s.stride_width = 1;
    s.dilation_height = s.dilation_width = s.groups = 1;
    const float x[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    const float w[1] = {2.0f};
    b.conv2d_forward(s, x, w, y);
    BOOST_TEST(y[3] == 8.0f);
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
