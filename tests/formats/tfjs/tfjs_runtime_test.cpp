// Models in TensorFlow.js itself (@tensorflow/tfjs 4.22 in node, CPU
// backend; scripts/install_tfjs.sh): the tutorial's model exported by
// mlrun loads with tf.loadLayersModel, predicts and evaluates as mlrun does
// and trains a step from its trainingConfig; a model TF.js built, trained
// and saved is read by mlrun with the same predictions, and converted.
//
// Without node or the package each case reports itself skipped, naming
// what is missing. MLRUN_TFJS overrides where the package is.
#include "tfjs_test_support.hpp"

#include "support/tfjs_oracle.hpp"
#include "support/interop_fixtures.hpp"
#include "support/run_command.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <regex>

using namespace mlrun;
using testing::run_mlrun;

namespace {

using mlrun::testing::tfjs_dir;
using mlrun::testing::tfjs_present;

// Runs run_tfjs_model.js; its last line of output is JSON.
nlohmann::json run_tfjs(const std::string& arguments)
{
    const auto ran = testing::run_command("node '" + testing::source_dir() + "/tests/formats/tfjs/run_tfjs_model.js' '" +
                                          tfjs_dir() + "' " + arguments);
    BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.output);
    const std::size_t line = ran.output.rfind('{');
    BOOST_TEST_REQUIRE(line != std::string::npos, ran.output);
    return nlohmann::json::parse(ran.output.substr(line));
}

// The largest difference between two prediction arrays, and how many rows
// pick another class.
void compare_predictions(const std::string& expected_file, const std::string& actual_file, double tolerance)
{
    const tensor expected = read_array(expected_file);
    const tensor actual = read_array(actual_file);
    BOOST_TEST_REQUIRE(actual.dims() == expected.dims(), actual.dims().to_string() << " vs " << expected.dims().to_string());
    const std::int64_t classes = expected.dims()[1];
    double worst = 0.0;
    std::int64_t differing_argmax = 0;
    for (std::int64_t r = 0; r < expected.dims()[0]; ++r) {
        const float* e = expected.f32() + r * classes;
        const float* a = actual.f32() + r * classes;
        for (std::int64_t c = 0; c < classes; ++c) worst = std::max(worst, std::fabs(double(e[c]) - double(a[c])));
        differing_argmax += (std::max_element(e, e + classes) - e) != (std::max_element(a, a + classes) - a);
    }
    BOOST_TEST_MESSAGE("largest difference: " << worst << " over " << expected.size() << " outputs");
    BOOST_TEST(worst <= tolerance);
    BOOST_TEST(differing_argmax == 0);
}

std::string in(const testing::temp_directory& dir, const std::string& name) { return (dir.path / name).string(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(tfjs_runtime, *boost::unit_test::precondition(&tfjs_present))

BOOST_AUTO_TEST_CASE(exported_tutorial_model_predicts_evaluates_and_trains_in_tfjs)
{
    testing::temp_directory dir;
    const std::string h5 = testing::train_tutorial_model(dir);
    const std::string web = in(dir, "web_model") + "/";
    const auto converted = run_mlrun("convert '" + h5 + "' '" + web + "'");
    BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);
    testing::write_test_digits(dir, 200);

    const auto predicted = run_mlrun("predict --model '" + h5 + "' --input '" + in(dir, "x.npy") + "' --output '" +
                                     in(dir, "y_mlrun.npy") + "'");
    BOOST_TEST_REQUIRE(predicted.exit_code == 0, predicted.output);
    run_tfjs("predict '" + web + "' '" + in(dir, "x.npy") + "' '" + in(dir, "y_tfjs.npy") + "'");
    // 1e-5 absolute: both compute in float32, but TF.js's CPU matMul sums
    // the 784-term dot products in another order than mlrun's reference
    // gemm, each order rounding by about sqrt(784) * 2^-24 of the summed
    // magnitudes (~1e-6 here); the outputs are probabilities in [0, 1], and
    // any wrong weight, layout or activation moves them by 1e-2 or more.
    compare_predictions(in(dir, "y_mlrun.npy"), in(dir, "y_tfjs.npy"), 1e-5);

    // evaluate: the same loss as mlrun's on the same 200 digits.
    const nlohmann::json tf_eval = run_tfjs("evaluate '" + web + "' '" + in(dir, "x.npy") + "' '" + in(dir, "labels.npy") + "'");
    const auto evaluated = run_mlrun("evaluate --model '" + web + "' --config configs/mnist.yaml data.test.take=200");
    BOOST_TEST_REQUIRE(evaluated.exit_code == 0, evaluated.output);
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_search(evaluated.output, m, std::regex("Test \\(200 samples\\): loss: ([0-9.]+)")),
                       evaluated.output);
    // mlrun prints 4 decimals (rounding: up to 5e-5); the losses themselves
    // differ by float32 summation order (~1e-6), so 1e-4 holds both.
    BOOST_TEST(std::fabs(std::stod(m[1]) - tf_eval["loss"].get<double>()) <= 1e-4, evaluated.output << " vs " << tf_eval);

    // One training step from the exported trainingConfig: Adam, going on
    // from the iteration count the file holds (500 digits / 32 = 16 steps).
    const nlohmann::json step = run_tfjs("train-step '" + web + "' '" + in(dir, "x.npy") + "' '" + in(dir, "labels.npy") + "'");
    BOOST_TEST(step["optimizer"] == "Adam");
    BOOST_TEST(step["iterations"] == 17);
    BOOST_TEST(std::isfinite(step["loss_after"].get<double>()));
}

BOOST_AUTO_TEST_CASE(a_model_tfjs_trained_and_saved_is_read_by_mlrun)
{
    testing::temp_directory dir;
    testing::write_test_digits(dir, 200);
    const std::string made = in(dir, "tfjs_made");
    const nlohmann::json saved = run_tfjs("make-model '" + made + "' '" + in(dir, "x.npy") + "' '" + in(dir, "labels.npy") +
                                          "' '" + in(dir, "y_tfjs.npy") + "'");
    BOOST_TEST(std::filesystem::exists(made + "/weights.bin"));

    const auto inspected = run_mlrun("inspect '" + made + "'");
    BOOST_TEST_REQUIRE(inspected.exit_code == 0, inspected.output);
    BOOST_TEST(inspected.output.find("optimizer/dense_Dense1/kernel/m (float32) [784,32]") != std::string::npos, inspected.output);
    BOOST_TEST(inspected.output.find("generatedBy") == std::string::npos);
    const auto predicted = run_mlrun("predict --model '" + made + "' --input '" + in(dir, "x.npy") + "' --output '" +
                                     in(dir, "y_mlrun.npy") + "'");
    BOOST_TEST_REQUIRE(predicted.exit_code == 0, predicted.output);
    compare_predictions(in(dir, "y_tfjs.npy"), in(dir, "y_mlrun.npy"), 1e-5);  // as above

    // Converted to .h5 the model and its optimizer state carry on.
    const auto converted = run_mlrun("convert '" + made + "/model.json' '" + in(dir, "made.h5") + "'");
    BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);
    const auto from_h5 = run_mlrun("predict --model '" + in(dir, "made.h5") + "' --input '" + in(dir, "x.npy") +
                                   "' --output '" + in(dir, "y_h5.npy") + "'");
    BOOST_TEST_REQUIRE(from_h5.exit_code == 0, from_h5.output);
    compare_predictions(in(dir, "y_mlrun.npy"), in(dir, "y_h5.npy"), 0.0);  // the same weights, the same code
    const auto evaluated = run_mlrun("evaluate --model '" + in(dir, "made.h5") + "' --config configs/mnist.yaml data.test.take=50");
    BOOST_TEST(evaluated.output.find("optimizer at iteration " + std::to_string(saved["iterations"].get<int>())) !=
                   std::string::npos,
               evaluated.output);
    const auto trained = run_mlrun("train --model '" + made + "' --config configs/mnist.yaml fit.epochs=1 "
                                   "data.train.take=64 data.test.take=32 checkpoint.path= fit.verbose=0");
    BOOST_TEST(trained.exit_code == 0, trained.output);
}

// mlrun writes a convnet's TF.js files itself (its own model.json for
// Conv2D and MaxPooling2D, HWIO kernels in the shard): TF.js loads them and
// predicts what mlrun predicts from the Keras file they came from.
BOOST_AUTO_TEST_CASE(a_convnet_mlrun_writes_predicts_the_same_in_tfjs, *testing::needs_interop_fixtures())
{
    testing::temp_directory dir;
    const std::string h5 = testing::fixture("keras2.3.1-mnist-convnet/mnist_cnn.h5");
    const std::string web = in(dir, "web_model") + "/";
    const auto converted = run_mlrun("convert '" + h5 + "' '" + web + "'");
    BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);
    data_options d;
    d.path = testing::source_dir() + "/data/mnist";
    dataset test = load_idx_dataset(d, d.test_images, d.test_labels, 64, "mnist test");
    test.x.reshape({64, 28, 28, 1});
    write_array(in(dir, "x.npy"), test.x);
    const auto predicted = run_mlrun("predict --model '" + h5 + "' --input '" + in(dir, "x.npy") + "' --output '" +
                                     in(dir, "y_mlrun.npy") + "'");
    BOOST_TEST_REQUIRE(predicted.exit_code == 0, predicted.output);
    run_tfjs("predict '" + web + "' '" + in(dir, "x.npy") + "' '" + in(dir, "y_tfjs.npy") + "'");
    // 1e-5 absolute, as above: convolutions sum at most 3 * 3 * 64 = 576
    // float32 products per output in another order than TF.js's (~1e-6 of
    // the summed magnitudes); a wrong kernel layout or padding moves the
    // probabilities by far more.
    compare_predictions(in(dir, "y_mlrun.npy"), in(dir, "y_tfjs.npy"), 1e-5);
}

BOOST_AUTO_TEST_SUITE_END()
