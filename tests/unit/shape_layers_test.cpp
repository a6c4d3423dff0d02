// The reshaping layers, Embedding, SpatialDropout2D and the activation
// layers with settings: Keras's shapes, values and automatic names, and one
// clear message per bad setting or input (the layer, the key, what was
// expected, what was found), never a crash.
#define BOOST_TEST_MODULE shape_layers
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/keras/layers.hpp"
#include "support/test_models.hpp"

#include <cmath>
#include <cstring>
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

tensor counting(const shape& dims)
{
    tensor t(dims);
    for (std::int64_t i = 0; i < t.size(); ++i) t.f32()[i] = static_cast<float>(i);
    return t;
}

}  // namespace

BOOST_AUTO_TEST_CASE(automatic_names_and_shapes_follow_keras)
{
    auto m = testing::model_from_yaml(
        "[{Reshape: {target_shape: [2, -1, 3], input_shape: [24]}}, {Permute: {dims: [2, 1, 3]}},"
        " {ZeroPadding2D: {}}, {Cropping2D: {cropping: [1, 1]}}, {UpSampling2D: {}},"
        " {SpatialDropout2D: {rate: 0.5}}, {ELU: {}}, {ReLU: {}}, {PReLU: {shared_axes: [1, 2]}}, {Reshape: {target_shape: [-1]}}]");
    std::vector<std::string> names;
    for (std::size_t i = 1; i < m->nodes().size(); ++i) names.push_back(m->nodes()[i].op->name());
    BOOST_TEST(names == (std::vector<std::string>{"reshape", "permute", "zero_padding2d", "cropping2d", "up_sampling2d",
                                                  "spatial_dropout2d", "elu", "re_lu", "p_re_lu", "reshape_1"}),
               boost::test_tools::per_element());
    // [24] -> [2, 4, 3] -> permuted [4, 2, 3] -> padded [6, 4, 3] -> cropped [4, 2, 3]
    // -> upsampled [8, 4, 3] -> flat [96]; PReLU has one alpha per channel.
    BOOST_TEST(m->output_shape() == shape({96}));
    BOOST_TEST(m->nodes()[9].op->parameters()[0].value.dims() == shape({1, 1, 3}));
}

BOOST_AUTO_TEST_CASE(reshape_infers_the_minus_one_and_refuses_a_count_that_does_not_fit)
{
    auto m = testing::model_of({keras::reshape({3, -1})}, {2, 6});
    BOOST_TEST(m->output_shape() == shape({3, 4}));
    const std::string wrong = error_of("[{Reshape: {target_shape: [5, 5], input_shape: [12]}}]");
    BOOST_TEST(contains(wrong, "layer 'reshape' (Reshape): target_shape [5, 5] does not hold exactly 12 values"), wrong);
    const std::string indivisible = error_of("[{Reshape: {target_shape: [5, -1], input_shape: [12]}}]");
    BOOST_TEST(contains(indivisible, "target_shape [5, -1] cannot hold 12 values"), indivisible);
    const std::string two = error_of("[{Reshape: {target_shape: [-1, -1], input_shape: [12]}}]");
    BOOST_TEST(contains(two, "more than one -1"), two);
    const std::string zero = error_of("[{Reshape: {target_shape: [0, 12], input_shape: [12]}}]");
    BOOST_TEST(contains(zero, "has a dimension 0"), zero);
}

BOOST_AUTO_TEST_CASE(permute_moves_axes_counted_from_one)
{
    auto m = testing::model_of({keras::permute({2, 1})}, {2, 3});
    backend be;
    const tensor x = counting({1, 2, 3});  // [[0, 1, 2], [3, 4, 5]]
    const tensor& y = m->forward(be, x, false, 0);
    BOOST_TEST(y.dims() == shape({1, 3, 2}));
    const std::vector<float> expected = {0, 3, 1, 4, 2, 5};
    BOOST_TEST(std::vector<float>(y.f32(), y.f32() + 6) == expected, boost::test_tools::per_element());
    const std::string bad = error_of("[{Permute: {dims: [0, 1], input_shape: [2, 3]}}]");
    BOOST_TEST(contains(bad, "layer 'permute' (Permute): dims [0, 1] is not a permutation of 1..2"), bad);
    const std::string rank = error_of("[{Permute: {dims: [2, 1], input_shape: [2, 3, 4]}}]");
    BOOST_TEST(contains(rank, "reorders 2 axes, but its input (2, 3, 4) has 3"), rank);
}

BOOST_AUTO_TEST_CASE(padding_and_cropping_take_every_keras_form_and_refuse_bad_amounts)
{
    auto padded = testing::model_from_yaml("[{ZeroPadding2D: {padding: [[1, 0], [0, 2]], input_shape: [2, 2, 1]}}]");
    BOOST_TEST(padded->output_shape() == shape({3, 4, 1}));
    backend be;
    const tensor& y = padded->forward(be, counting({1, 2, 2, 1}), false, 0);
    const std::vector<float> expected = {0, 0, 0, 0, 0, 1, 0, 0, 2, 3, 0, 0};
    BOOST_TEST(std::vector<float>(y.f32(), y.f32() + 12) == expected, boost::test_tools::per_element());
    BOOST_TEST(testing::model_from_yaml("[{ZeroPadding2D: {padding: [1, 2], input_shape: [2, 2, 1]}}]")->output_shape() ==
               shape({4, 6, 1}));
    BOOST_TEST(testing::model_from_yaml("[{Cropping2D: {cropping: 1, input_shape: [4, 5, 2]}}]")->output_shape() ==
               shape({2, 3, 2}));

    const std::string negative = error_of("[{ZeroPadding2D: {padding: [1, -2], input_shape: [2, 2, 1]}}]");
    BOOST_TEST(contains(negative, "layer 'zero_padding2d' (ZeroPadding2D): padding [[1, 1], [-2, -2]] has a negative amount"),
               negative);
    const std::string large = error_of("[{Cropping2D: {cropping: [[1, 2], [0, 0]], input_shape: [3, 4, 1]}}]");
    BOOST_TEST(contains(large, "layer 'cropping2d' (Cropping2D): cropping [[1, 2], [0, 0]] removes 3 rows of an input "
                               "(3, 4, 1) that has 3"),
               large);
    const std::string form = error_of("[{Cropping2D: {cropping: [1, 2, 3], input_shape: [3, 4, 1]}}]");
    BOOST_TEST(contains(form, "cropping: expected an integer, [rows, cols] or [[top, bottom], [left, right]]"), form);
    const std::string flat = error_of("[{ZeroPadding2D: {input_shape: [3]}}]");
    BOOST_TEST(contains(flat, "expects samples of shape (rows, cols, channels), found (3,)"), flat);
}

// Bilinear upsampling as TensorFlow's image.resize (half-pixel centres):
// a row [0, 4] doubled is [0, 1, 3, 4]; nearest repeats each cell.
BOOST_AUTO_TEST_CASE(up_sampling_repeats_or_interpolates_with_half_pixel_centres)
{
    backend be;
    auto bilinear = testing::model_of({keras::up_sampling2d({1, 2}, "bilinear")}, {1, 2, 1});
    tensor x({1, 1, 2, 1});
    x.f32()[1] = 4.0f;
    const tensor& y = bilinear->forward(be, x, false, 0);
    BOOST_TEST(std::vector<float>(y.f32(), y.f32() + 4) == (std::vector<float>{0, 1, 3, 4}), boost::test_tools::per_element());
    auto nearest = testing::model_of({keras::up_sampling2d({1, 2})}, {1, 2, 1});
    const tensor& z = nearest->forward(be, x, false, 0);
    BOOST_TEST(std::vector<float>(z.f32(), z.f32() + 4) == (std::vector<float>{0, 0, 4, 4}), boost::test_tools::per_element());
    const std::string bad = error_of("[{UpSampling2D: {interpolation: bicubic, input_shape: [2, 2, 1]}}]");
    BOOST_TEST(contains(bad, "'bicubic' is not one of: nearest, bilinear"), bad);
    const std::string zero = error_of("[{UpSampling2D: {size: 0, input_shape: [2, 2, 1]}}]");
    BOOST_TEST(contains(zero, "size"), zero);
}

BOOST_AUTO_TEST_CASE(spatial_dropout_drops_whole_channels_in_training_only)
{
    auto m = testing::model_of({keras::spatial_dropout2d(0.5f)}, {3, 3, 16});
    backend be;
    tensor x(shape({4, 3, 3, 16}));
    for (std::int64_t i = 0; i < x.size(); ++i) x.f32()[i] = 1.0f;
    const tensor y = m->forward(be, x, true, 42);
    int dropped = 0;
    for (std::int64_t b = 0; b < 4; ++b) {
        for (std::int64_t k = 0; k < 16; ++k) {
            const float first = y.f32()[b * 144 + k];
            BOOST_TEST((first == 0.0f || first == 2.0f));  // 1 / (1 - 0.5), exact in binary
            for (std::int64_t cell = 1; cell < 9; ++cell) BOOST_TEST(y.f32()[b * 144 + cell * 16 + k] == first);
            dropped += first == 0.0f;
        }
    }
    BOOST_TEST(dropped > 16);  // 64 channels at rate 0.5: 32 expected, 16 is 4 deviations below
    BOOST_TEST(dropped < 48);
    const tensor again = m->forward(be, x, true, 42);  // the same step seed draws the same channels
    BOOST_TEST(std::memcmp(again.bytes(), y.bytes(), y.byte_size()) == 0);
    const tensor& inference = m->forward(be, x, false, 42);
    for (std::int64_t i = 0; i < inference.size(); ++i) BOOST_TEST(inference.f32()[i] == 1.0f);
    const std::string bad = error_of("[{SpatialDropout2D: {rate: 1.0, input_shape: [2, 2, 1]}}]");
    BOOST_TEST(contains(bad, "rate"), bad);
}

BOOST_AUTO_TEST_CASE(embedding_looks_up_rows_and_refuses_an_index_out_of_range_at_run_time)
{
    auto m = testing::model_of({keras::embedding(5, 2).named("words")}, {3});
    const parameter& table = m->nodes()[1].op->parameters()[0];
    BOOST_TEST(table.name == "embeddings");
    BOOST_TEST(table.value.dims() == shape({5, 2}));
    for (std::int64_t i = 0; i < table.value.size(); ++i) {
        BOOST_TEST(std::fabs(table.value.f32()[i]) <= 0.05f);  // Keras's uniform(-0.05, 0.05)
    }
    backend be;
    tensor x({1, 3});
    x.f32()[0] = 4;
    x.f32()[1] = 0;
    x.f32()[2] = 4;
    const tensor& y = m->forward(be, x, false, 0);
    BOOST_TEST(y.dims() == shape({1, 3, 2}));
    BOOST_TEST(y.f32()[0] == table.value.f32()[8]);
    BOOST_TEST(y.f32()[3] == table.value.f32()[1]);
    x.f32()[1] = 5;
    try {
        m->forward(be, x, false, 0);
        BOOST_FAIL("an index of 5 with input_dim 5 was accepted");
    } catch (const data_error& e) {
        BOOST_TEST(contains(e.what(), "layer 'words' (Embedding): input value 5 (sample 0 of the batch, position 1) is "
                                      "not an index in [0, 5) (input_dim)"),
                   e.what());
    }
    x.f32()[1] = 1.5f;
    BOOST_CHECK_THROW(m->forward(be, x, false, 0), data_error);
    const std::string zero = error_of("[{Embedding: {input_dim: 0, output_dim: 2, input_shape: [3]}}]");
    BOOST_TEST(contains(zero, "layer 'embedding' (Embedding): input_dim must be at least 1, found 0"), zero);
}

BOOST_AUTO_TEST_CASE(activation_layers_compute_keras_values)
{
    backend be;
    tensor x({1, 5});
    const float in[] = {-2.0f, -0.5f, 0.25f, 1.0f, 3.0f};
    std::copy(in, in + 5, x.f32());
    relu_options r;
    r.max_value = 2.0f;
    r.negative_slope = 0.1f;
    r.threshold = 0.5f;
    auto relu = testing::model_of({keras::relu(r)}, {5});
    const tensor& y = relu->forward(be, x, false, 0);
    // below threshold: 0.1 * (x - 0.5); from it: x; from max_value: 2.
    const float expected[] = {-0.25f, -0.1f, -0.025f, 1.0f, 2.0f};
    for (int i = 0; i < 5; ++i) BOOST_TEST(y.f32()[i] == expected[i], boost::test_tools::tolerance(1e-6f));
    auto elu = testing::model_of({keras::elu(0.5f)}, {5});
    const tensor& e = elu->forward(be, x, false, 0);
    BOOST_TEST(e.f32()[0] == 0.5f * std::expm1(-2.0f), boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(e.f32()[4] == 3.0f);
    auto prelu = testing::model_of({keras::prelu()}, {5});
    BOOST_TEST(prelu->nodes()[1].op->parameters()[0].name == "alpha");
    const tensor& p = prelu->forward(be, x, false, 0);  // alpha starts at zeros: a ReLU
    BOOST_TEST(p.f32()[0] == 0.0f);
    BOOST_TEST(p.f32()[3] == 1.0f);
    const std::string negative = error_of("[{ReLU: {max_value: -1, input_shape: [3]}}]");
    BOOST_TEST(contains(negative, "layer 're_lu' (ReLU): max_value must be >= 0"), negative);
    const std::string axes = error_of("[{PReLU: {shared_axes: [3], input_shape: [2, 2]}}]");
    BOOST_TEST(contains(axes, "layer 'p_re_lu' (PReLU): shared_axes has axis 3"), axes);
}
