// Exported models run in ONNX Runtime (onnxruntime-node, installed by
// scripts/install_onnxruntime.sh) on MNIST test digits and agree with
// `mlrun predict` on the model file they were exported from: the tutorial's
// model, a functional graph with Add, Concatenate and BatchNormalization,
// and one using Flatten, Activation and every activation.
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

// The first `count` MNIST test digits, pixels in [0, 1], as the model takes them.
std::string write_digits(const testing::temp_directory& dir, bool flatten, std::int64_t count)
{
    data_options d;
    d.path = testing::source_dir() + "/data/mnist";
    d.flatten = flatten;
    const dataset test = load_idx_dataset(d, d.test_images, d.test_labels, count, "mnist test");
    const std::string path = (dir.path / "x.npy").string();
    write_array(path, test.x);
    return path;
}

// Trains `layers` briefly, saves the model as .h5 and as .onnx (convert),
// predicts `count` digits with mlrun and with ONNX Runtime, and compares.
void compare_with_onnxruntime(const std::string& layers, bool flatten, std::int64_t count = 200)
{
    testing::temp_directory dir;
    const std::string config = dir.write(
        "exp.yaml", "mlrun: 1\nseed: 11\nbackend: reference\n"
                    "data: {dataset: mnist, path: " + testing::source_dir() + "/data/mnist, train: {take: 1000}, "
                    "test: {take: 200}, flatten: " + (flatten ? "true" : "false") + "}\n"
                    "model:\n" + layers +
                    "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
                    "fit: {epochs: 2, batch_size: 32, verbose: 0}\n");
    const std::string h5 = (dir.path / "model.h5").string();
    const std::string onnx = (dir.path / "model.onnx").string();
    const auto trained = run_mlrun("'" + config + "' save.path='" + h5 + "'");
    BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
    const auto converted = run_mlrun("convert '" + h5 + "' '" + onnx + "'");
    BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);

    const std::string x = write_digits(dir, flatten, count);
    const std::string y_mlrun = (dir.path / "y_mlrun.npy").string();
    const std::string y_onnx = (dir.path / "y_onnx.npy").string();
    const auto predicted = run_mlrun("predict --model '" + h5 + "' --input '" + x + "' --output '" + y_mlrun + "'");
    BOOST_TEST_REQUIRE(predicted.exit_code == 0, predicted.output);
    const auto ran = testing::run_command("node '" + testing::source_dir() + "/tests/formats/onnx/run_onnx_model.js' '" +
                                          onnxruntime_dir() + "' '" + onnx + "' '" + x + "' '" + y_onnx + "'");
    BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.output);

    const tensor expected = read_array(y_mlrun);
    const tensor actual = read_array(y_onnx);
    BOOST_TEST_REQUIRE(actual.dims() == expected.dims(), actual.dims().to_string() << " vs " << expected.dims().to_string());
    const std::int64_t classes = expected.dims()[1];
    // 1e-5 absolute: both compute in float32, but ONNX Runtime's gemm (MLAS:
    // blocked, vectorised, fused multiply-add) sums each 784-term dot product
    // in another order than mlrun's reference gemm. Each order rounds
    // differently, about sqrt(784) * 2^-24 of the summed magnitudes (~1e-6
    // for these pre-activations of size ~10), and the outputs are softmax
    // probabilities in [0, 1], so 1e-5 leaves a margin of ten and still
    // catches any wrong op, weight, axis or statistic (those move outputs by
    // 1e-2 or more).
    double worst = 0.0;
    std::int64_t differing_argmax = 0;
    for (std::int64_t r = 0; r < expected.dims()[0]; ++r) {
        const float* e = expected.f32() + r * classes;
        const float* a = actual.f32() + r * classes;
        for (std::int64_t c = 0; c < classes; ++c) worst = std::max(worst, std::fabs(double(e[c]) - double(a[c])));
        differing_argmax += (std::max_element(e, e + classes) - e) != (std::max_element(a, a + classes) - a);
    }
    BOOST_TEST_MESSAGE("largest difference from mlrun predict: " << worst << " over " << expected.size() << " outputs");
    BOOST_TEST(worst <= 1e-5);
    BOOST_TEST(differing_argmax == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(onnx_runtime, *boost::unit_test::precondition(&onnxruntime_present))

BOOST_AUTO_TEST_CASE(tutorial_model_agrees_with_mlrun_predict)
{
    compare_with_onnxruntime("  - Dense: {units: 512, activation: relu, input_shape: [784]}\n"
                             "  - Dropout: {rate: 0.2}\n"
                             "  - Dense: {units: 10, activation: softmax}\n",
                             true);
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
                             true);
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
                             false);
}

BOOST_AUTO_TEST_SUITE_END()
