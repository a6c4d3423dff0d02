// The convolutional layers' settings and shapes: Keras's sizes and
// automatic names, and one clear message per bad setting (the layer, the
// key, what was expected, what was found), never a crash.
#define BOOST_TEST_MODULE conv_layers
#include <boost/test/unit_test.hpp>

#include "mlrun/core/error.hpp"
#include "mlrun/keras/layers.hpp"
#include "support/test_models.hpp"

#include <string>

using namespace mlrun;

namespace {

// The message building `layers` throws (empty when it builds).
std::string error_of(const std::string& layers)
{
    try {
        testing::model_from_yaml(layers);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(output_shapes_and_names_follow_keras)
{
    auto m = testing::model_from_yaml(
        "[{Conv2D: {filters: 4, kernel_size: 3, strides: 2, padding: same, input_shape: [7, 8, 1]}},"
        " {MaxPooling2D: {}}, {Conv2D: {filters: 2, kernel_size: [2, 1]}},"
        " {Conv2DTranspose: {filters: 3, kernel_size: 3, strides: 2}}, {GlobalAveragePooling2D: {}}]");
    // same: ceil(7 / 2) x ceil(8 / 2) = 4 x 4; pool 2: 2 x 2; valid 2x1: 1 x 2;
    // transposed valid: 1 * 2 + max(3 - 2, 0) = 3 by 2 * 2 + 1 = 5.
    std::vector<std::string> names;
    for (std::size_t i = 1; i < m->nodes().size(); ++i) names.push_back(m->nodes()[i].op->name());  // after the input
    BOOST_TEST(names == (std::vector<std::string>{"conv2d", "max_pooling2d", "conv2d_1", "conv2d_transpose",
                                                  "global_average_pooling2d"}),
               boost::test_tools::per_element());
    BOOST_TEST(m->output_shape() == shape({3}));
    const auto& transposed = *m->nodes()[4].op;
    BOOST_TEST(transposed.parameters()[0].value.dims() == shape({3, 3, 3, 2}));
}

BOOST_AUTO_TEST_CASE(a_kernel_larger_than_its_input_is_refused)
{
    const std::string e = error_of("[{Conv2D: {filters: 2, kernel_size: 5, input_shape: [4, 4, 1]}}]");
    BOOST_TEST(contains(e, "layer 'conv2d' (Conv2D)"), e);
    BOOST_TEST(contains(e, "spans 5 cells but the input has 4"), e);
    const std::string pool = error_of("[{MaxPooling1D: {pool_size: 3, input_shape: [2, 1]}}]");
    BOOST_TEST(contains(pool, "layer 'max_pooling1d' (MaxPooling1D)"), pool);
}

BOOST_AUTO_TEST_CASE(zero_and_negative_sizes_are_refused_naming_the_key)
{
    BOOST_TEST(contains(error_of("[{Conv2D: {filters: 0, kernel_size: 3, input_shape: [4, 4, 1]}}]"),
                        "filters must be at least 1, found 0"));
    const std::string e = error_of("[{Conv2D: {filters: 2, kernel_size: [3, -1], input_shape: [4, 4, 1]}}]");
    BOOST_TEST(contains(e, "kernel_size must be at least 1 in every axis, found [3, -1]"), e);
    BOOST_TEST(contains(error_of("[{MaxPooling2D: {strides: 0, input_shape: [4, 4, 1]}}]"),
                        "strides must be at least 1 in every axis, found [0, 0]"));
    const std::string list = error_of("[{Conv2D: {filters: 2, kernel_size: [3, 3, 3], input_shape: [4, 4, 1]}}]");
    BOOST_TEST(contains(list, "kernel_size: expected 2 integers or one, found a list of 3"), list);
}

BOOST_AUTO_TEST_CASE(padding_and_data_format_values_keras_lacks_are_refused)
{
    const std::string p = error_of("[{Conv2D: {filters: 2, kernel_size: 3, padding: full, input_shape: [4, 4, 1]}}]");
    BOOST_TEST(contains(p, "padding: 'full' is not one of: valid, same"), p);
    const std::string f =
        error_of("[{Conv2D: {filters: 2, kernel_size: 3, data_format: channels_first, input_shape: [1, 4, 4]}}]");
    BOOST_TEST(contains(f, "data_format: 'channels_first' is not one of: channels_last"), f);
    // The C++ API has no schema in front: the layer itself refuses.
    conv2d_options o;
    o.filters = 2;
    o.kernel_size = {3, 3};
    o.data_format = "channels_first";
    try {
        testing::model_of({keras::conv2d(o)}, {1, 4, 4});
        BOOST_FAIL("channels_first was accepted");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "layer 'conv2d' (Conv2D): data_format 'channels_first'; expected channels_last"),
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(images_without_a_channels_axis_are_refused_with_the_shape_to_use)
{
    const std::string e = error_of("[{Conv2D: {filters: 2, kernel_size: 3, input_shape: [28, 28]}}]");
    BOOST_TEST(contains(e, "expects samples of shape (rows, cols, channels), found (28, 28)"), e);
    BOOST_TEST(contains(e, "input_shape: [28, 28, 1]"), e);
}
