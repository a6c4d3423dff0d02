// Exported models run in ONNX Runtime (onnxruntime-node, installed by
// scripts/install_onnxruntime.sh) on MNIST test digits and agree with
// `mlrun predict` on the model file they were exported from: the tutorial's
// model, a functional graph with Add, Concatenate and BatchNormalization,
// one using Flatten, Activation and the first activations, a CNN, and
// models that between them use every other exported class and activation.
//
// Without node or the package each case reports itself skipped, naming what
// is missing. MLRUN_ONNXRUNTIME_NODE overrides where the package is.
#include <boost/test/unit_test.hpp>

#include "support/mlrun_process.hpp"
#include "support/run_command.hpp"
#include "support/temp_files.hpp"

#include "mlrun/data/array_io.hpp"
#include "mlrun/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

using namespace mlrun;
using testing::run_mlrun;

namespace {

std::string onnxruntime_dir()
{
    const char* dir = std::getenv("MLRUN_ONNXRUNTIME_NODE");
    return dir != nullptr ? dir : testing::source_dir() + "/.onnxruntime/node_modules/onnxruntime-node";
}

boost::test_tools::assertion_result onnxruntime_present(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result present(true);
    if (testing::run_command("node --version").exit_code != 0) {
        present = false;
        present.message() << "node is not on PATH (scripts/install_deps.sh installs it)";
    } else if (!std::filesystem::is_directory(onnxruntime_dir())) {
        present = false;
        present.message() << "onnxruntime-node is not installed at " << onnxruntime_dir()
                          << " (scripts/install_onnxruntime.sh installs it)";
    }
    return present;
}

// How the models take the digits.
enum class digit_layout {
    flat,      // [784]
    rows,      // [28, 28]: rows of pixels (steps of 28 channels for 1D layers)
    channels,  // [28, 28, 1]: grey images
};

struct digits {
    digit_layout layout = digit_layout::rows;
    float scale = 255.0f;  // 1: pixels are the whole numbers 0..255 (indices for an Embedding)
    // true: the model ends in a linear Dense, trained with from_logits, so a
    // wrong op shows in the outputs without a softmax squashing it.
    bool logits = false;
};

// The first `count` MNIST test digits, as the model takes them.
std::string write_digits(const testing::temp_directory& dir, const digits& how, std::int64_t count)
{
    data_options d;
    d.path = testing::source_dir() + "/data/mnist";
    d.flatten = how.layout == digit_layout::flat;
    d.scale = how.scale;
    dataset test = load_idx_dataset(d, d.test_images, d.test_labels, count, "mnist test");
    if (how.layout == digit_layout::channels) test.x.reshape({test.x.dims()[0], 28, 28, 1});
    const std::string path = (dir.path / "x.npy").string();
    write_array(path, test.x);
    return path;
}

// Trains `layers` briefly, saves the model as mlrun's YAML model file (it holds every
// class and activation, where a Keras file may not) and as .onnx (convert),
// predicts `count` digits with mlrun and with ONNX Runtime, and compares.
void compare_with_onnxruntime(const std::string& layers, const digits& how, std::int64_t count = 200)
{
    testing::temp_directory dir;
    const std::string config = dir.write(
        "exp.yaml", "mlrun: 1\nseed: 11\nbackend: reference\n"
                    "data: {dataset: mnist, path: " + testing::source_dir() + "/data/mnist, train: {take: 1000}, "
                    "test: {take: 200}, flatten: " + (how.layout == digit_layout::flat ? "true" : "false") +
                    ", scale: " + std::to_string(how.scale) + "}\n"
                    "model:\n" + layers +
                    "compile: {optimizer: adam, loss: " +
                    (how.logits ? "{sparse_categorical_crossentropy: {from_logits: true}}" : "sparse_categorical_crossentropy") +
                    ", metrics: [accuracy]}\n"
                    "fit: {epochs: 2, batch_size: 32, verbose: 0}\n");
    const std::string saved = (dir.path / "model.yaml").string();
    const std::string onnx = (dir.path / "model.onnx").string();
    const auto trained = run_mlrun("'" + config + "' save.path='" + saved + "'");
    BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
    const auto converted = run_mlrun("convert '" + saved + "' '" + onnx + "'");
    BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);

    const std::string x = write_digits(dir, how, count);
    const std::string y_mlrun = (dir.path / "y_mlrun.npy").string();
    const std::string y_onnx = (dir.path / "y_onnx.npy").string();
    const auto predicted = run_mlrun("predict --model '" + saved + "' --input '" + x + "' --output '" + y_mlrun + "'");
    BOOST_TEST_REQUIRE(predicted.exit_code == 0, predicted.output);
    const auto ran = testing::run_command("node '" + testing::source_dir() + "/tests/formats/onnx/run_onnx_model.js' '" +
                                          onnxruntime_dir() + "' '" + onnx + "' '" + x + "' '" + y_onnx + "'");
    BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.output);

    const tensor expected = read_array(y_mlrun);
    const tensor actual = read_array(y_onnx);
    BOOST_TEST_REQUIRE(actual.dims() == expected.dims(), actual.dims().to_string() << " vs " << expected.dims().to_string());
    const std::int64_t classes = expected.dims()[1];
    // Probabilities: 1e-5 absolute. Both compute in float32, but ONNX
    // Runtime's gemm (MLAS: blocked, vectorised, fused multiply-add) sums
    // each 784-term dot product in another order than mlrun's reference gemm.
    // Each order rounds differently, about sqrt(784) * 2^-24 of the summed
    // magnitudes (~1e-6 for these pre-activations of size ~10), and the
    // outputs are softmax probabilities in [0, 1], so 1e-5 leaves a margin of
    // ten and still catches any wrong op, weight, axis or statistic (those
    // move outputs by 1e-2 or more).
    // Logits: 1e-5 of the largest logit. The same rounding, now
    // through several convolutions (each also summed in another order: ONNX
    // Runtime's im2col gemm or direct kernels against mlrun's loops) and the
    // elementwise ops of both libraries' exp, erf and tanh (a few ulp each),
    // stays near 1e-6 of the values' scale; a wrong pad, window, rounding
    // mode or layout moves the logits by 1e-3 of it or more.
    double worst = 0.0;
    double scale = 0.0;
    std::int64_t differing_argmax = 0;
    for (std::int64_t r = 0; r < expected.dims()[0]; ++r) {
        const float* e = expected.f32() + r * classes;
        const float* a = actual.f32() + r * classes;
        for (std::int64_t c = 0; c < classes; ++c) {
            worst = std::max(worst, std::fabs(double(e[c]) - double(a[c])));
            scale = std::max(scale, std::fabs(double(e[c])));
        }
        differing_argmax += (std::max_element(e, e + classes) - e) != (std::max_element(a, a + classes) - a);
    }
    BOOST_TEST_MESSAGE("largest difference from mlrun predict: " << worst << " over " << expected.size()
                                                                 << " outputs, largest output " << scale);
    BOOST_TEST_REQUIRE(scale > 0.0);
    BOOST_TEST(worst <= (how.logits ? 1e-5 * scale : 1e-5));
    BOOST_TEST(differing_argmax == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(onnx_runtime, *boost::unit_test::precondition(&onnxruntime_present))

BOOST_AUTO_TEST_CASE(tutorial_model_agrees_with_mlrun_predict)
{
    compare_with_onnxruntime("  - Dense: {units: 512, activation: relu, input_shape: [784]}\n"
                             "  - Dropout: {rate: 0.2}\n"
                             "  - Dense: {units: 10, activation: softmax}\n",
                             {digit_layout::flat});
}

BOOST_AUTO_TEST_CASE(functional_model_with_add_concatenate_and_batch_normalization_agrees)
{
    compare_with_onnxruntime("  - {name: pixels, Input: {shape: [784]}}\n"
                             "  - {name: a, Dense: {units: 64, activation: relu}, inputs: [pixels]}\n"
                             "  - {name: bn, BatchNormalization: {momentum: 0.5}, inputs: [a]}\n"
                             "  - {name: b, Dense: {units: 64, activation: tanh}, inputs: [pixels]}\n"
                             "  - {name: sum, Add: {}, inputs: [bn, b]}\n"
                             "  - {name: both, Concatenate: {}, inputs: [sum, b]}\n"
                             "  - {name: out, Dense: {units: 10, activation: softmax}, inputs: [both]}\n",
                             {digit_layout::flat});
}

BOOST_AUTO_TEST_CASE(flatten_activation_layers_and_every_activation_agree)
{
    compare_with_onnxruntime("  - {name: image, Input: {shape: [28, 28]}}\n"
                             "  - {name: rows, BatchNormalization: {center: false, momentum: 0.5}}\n"
                             "  - {name: flat, Flatten: {}}\n"
                             "  - {name: s, Dense: {units: 32, activation: sigmoid}}\n"
                             "  - {name: t, Dense: {units: 32, activation: tanh, use_bias: false}}\n"
                             "  - {name: l, Dense: {units: 32}}\n"
                             "  - {name: r, Activation: {activation: relu}}\n"
                             "  - {name: lin, Activation: {activation: linear}}\n"
                             "  - {name: logits, Dense: {units: 10}}\n"
                             "  - {name: out, Activation: {activation: softmax}}\n",
                             {digit_layout::rows});
}

BOOST_AUTO_TEST_CASE(cnn_with_conv2d_pooling_batch_normalization_flatten_and_dense_agrees)
{
    compare_with_onnxruntime("  - {name: image, Input: {shape: [28, 28, 1]}}\n"
                             "  - {name: c1, Conv2D: {filters: 8, kernel_size: 3, activation: relu}}\n"
                             "  - {name: bn, BatchNormalization: {momentum: 0.5}}\n"
                             "  - {name: p1, MaxPooling2D: {pool_size: 2}}\n"
                             "  - {name: c2, Conv2D: {filters: 16, kernel_size: 3, strides: 2, padding: same}}\n"
                             "  - {name: p2, AveragePooling2D: {pool_size: 2, strides: 1, padding: same}}\n"
                             "  - {name: flat, Flatten: {}}\n"
                             "  - {name: out, Dense: {units: 10}}\n",
                             {digit_layout::channels, 255.0f, true});
}

// Odd sizes, so same padding is uneven and pools reach past the border.
BOOST_AUTO_TEST_CASE(every_2d_convolution_padding_cropping_and_upsampling_agree)
{
    compare_with_onnxruntime(
        "  - {name: image, Input: {shape: [28, 28, 1]}}\n"
        "  - {name: pad, ZeroPadding2D: {padding: [[1, 2], [0, 3]]}}\n"
        "  - {name: crop, Cropping2D: {cropping: [[2, 0], [1, 2]]}}\n"
        "  - {name: c, Conv2D: {filters: 6, kernel_size: [3, 2], dilation_rate: 2, activation: elu}}\n"
        "  - {name: g, Conv2D: {filters: 4, kernel_size: 3, groups: 2, padding: same, activation: selu}}\n"
        "  - {name: dw, DepthwiseConv2D: {kernel_size: 3, strides: 2, padding: same, depth_multiplier: 2, "
        "activation: gelu}}\n"
        "  - {name: sep, SeparableConv2D: {filters: 5, kernel_size: 2, depth_multiplier: 2, activation: silu}}\n"
        "  - {name: drop, SpatialDropout2D: {rate: 0.3}}\n"
        "  - {name: mp, MaxPooling2D: {pool_size: 3, strides: 2, padding: same}}\n"
        "  - {name: up, UpSampling2D: {size: [2, 3]}, inputs: [mp]}\n"
        "  - {name: t1, Conv2DTranspose: {filters: 3, kernel_size: 3, strides: 2, activation: softplus}}\n"
        "  - {name: t1max, GlobalMaxPooling2D: {}}\n"
        "  - {name: t2, Conv2DTranspose: {filters: 4, kernel_size: 2, strides: 3}, inputs: [mp]}\n"
        "  - {name: t2mean, GlobalAveragePooling2D: {}}\n"
        "  - {name: bi, UpSampling2D: {size: 2, interpolation: bilinear}, inputs: [mp]}\n"
        "  - {name: t3, Conv2DTranspose: {filters: 4, kernel_size: 3, strides: 2, padding: same, use_bias: false}}\n"
        "  - {name: ap, AveragePooling2D: {pool_size: 3, strides: 2, padding: same}}\n"
        "  - {name: apmax, GlobalMaxPooling2D: {}}\n"
        "  - {name: all, Concatenate: {}, inputs: [t1max, t2mean, apmax]}\n"
        "  - {name: out, Dense: {units: 10}}\n",
        {digit_layout::channels, 255.0f, true});
}

// Rows as steps of 28 channels.
BOOST_AUTO_TEST_CASE(one_dimensional_layers_normalization_and_reshaping_agree)
{
    compare_with_onnxruntime(
        "  - {name: rows, Input: {shape: [28, 28]}}\n"
        "  - {name: c, Conv1D: {filters: 8, kernel_size: 3, strides: 2, padding: same, activation: gelu_tanh}}\n"
        "  - {name: d, Conv1D: {filters: 8, kernel_size: 2, dilation_rate: 2, groups: 4, activation: mish}}\n"
        "  - {name: mp, MaxPooling1D: {pool_size: 3, strides: 2, padding: same}}\n"
        "  - {name: ap, AveragePooling1D: {pool_size: 2, strides: 1, padding: same}}\n"
        "  - {name: ln, LayerNormalization: {epsilon: 0.01}}\n"
        "  - {name: swap, Permute: {dims: [2, 1]}}\n"
        "  - {name: grid, Reshape: {target_shape: [4, -1, 2]}}\n"
        "  - {name: flat, Reshape: {target_shape: [-1, 2]}}\n"
        "  - {name: gap, GlobalAveragePooling1D: {}, inputs: [flat]}\n"
        "  - {name: gmp, GlobalMaxPooling1D: {keepdims: true}, inputs: [ln]}\n"
        "  - {name: gmp_flat, Flatten: {}, inputs: [gmp]}\n"
        "  - {name: both, Concatenate: {}, inputs: [gap, gmp_flat]}\n"
        "  - {name: out, Dense: {units: 10}}\n",
        {digit_layout::rows, 255.0f, true});
}

// Pixels 0..255 as indices into a table of 256 rows.
BOOST_AUTO_TEST_CASE(embedding_of_pixel_values_agrees)
{
    compare_with_onnxruntime("  - {name: pixels, Input: {shape: [784]}}\n"
                             "  - {name: table, Embedding: {input_dim: 256, output_dim: 3}}\n"
                             "  - {name: flat, Flatten: {}}\n"
                             "  - {name: out, Dense: {units: 10}}\n",
                             {digit_layout::flat, 1.0f, true});
}

BOOST_AUTO_TEST_CASE(every_other_activation_and_activation_layer_agrees)
{
    compare_with_onnxruntime(
        "  - {name: image, Input: {shape: [28, 28, 1]}}\n"
        "  - {name: c, Conv2D: {filters: 4, kernel_size: 5, strides: 3, activation: hard_sigmoid}}\n"
        "  - {name: pr, PReLU: {alpha_initializer: random_uniform, shared_axes: [1, 2]}}\n"
        "  - {name: flat, Flatten: {}}\n"
        "  - {name: a, Dense: {units: 24, activation: leaky_relu}}\n"
        "  - {name: b, Dense: {units: 24, activation: relu6}}\n"
        "  - {name: e, ELU: {alpha: 0.5}}\n"
        "  - {name: s, Dense: {units: 24, activation: swish}}\n"
        "  - {name: r1, ReLU: {max_value: 1.5, negative_slope: 0.1, threshold: 0.2}}\n"
        "  - {name: ss, Dense: {units: 24, activation: softsign}}\n"
        "  - {name: r2, ReLU: {max_value: 0.5}}\n"
        "  - {name: x, Dense: {units: 24, activation: exponential}}\n"
        "  - {name: r3, ReLU: {negative_slope: 0.3}}\n"
        "  - {name: r4, ReLU: {threshold: 1.0}}\n"
        "  - {name: r5, ReLU: {}}\n"
        "  - {name: ls, Dense: {units: 24, activation: log_softmax}}\n"
        "  - {name: out, Dense: {units: 10}}\n",
        {digit_layout::channels, 255.0f, true});
}

BOOST_AUTO_TEST_SUITE_END()
