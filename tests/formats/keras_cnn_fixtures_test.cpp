// Keras and TF.js convolutional networks: mlrun loads each fixture file (and
// the Keras 3 files it writes itself) and predicts what an independent
// NumPy forward pass of the same file (keras_cnn_forward.py: its own
// reading of model_config and the weights, its own convolution and
// pooling) predicts. Tolerance 1e-5 on softmax
// outputs: both sides compute sums of at most 3*3*64 = 576 float32 products
// per convolution output (the oracle in float64), so float32 round-off is
// about 576 * 6e-8 * |terms| ~ 1e-5 at worst and ~1e-7 in practice; a wrong
// padding, stride, layout or pooling window moves outputs by 1e-2 or more.
#define BOOST_TEST_MODULE keras_cnn_fixtures
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/interop_fixtures.hpp"
#include "support/mlrun_process.hpp"
#include "support/run_command.hpp"
#include "support/temp_files.hpp"

#include <string>
#include <vector>

using namespace mlrun;

namespace {

struct cnn_fixture {
    std::string path;         // under the fixtures directory
    std::string input_shape;  // per sample, as NumPy writes it
};

std::ostream& operator<<(std::ostream& out, const cnn_fixture& f) { return out << f.path; }

const std::vector<cnn_fixture> fixtures = {
    {"keras2.3.1-mnist-convnet/mnist_cnn.h5", "28, 28, 1"},
    {"tf.keras2.9.0-mnist-convnet/mnist_cnn.h5", "28, 28, 1"},
    {"tf.keras2.9.0-mnist-convnet/model_mnist_cnn", "28, 28, 1"},
    {"keras3.11.2-mnist-cnn-h5-and-keras/mnist_cnn.h5", "28, 28, 1"},
    {"keras3.11.2-mnist-cnn-h5-and-keras/mnist_cnn.keras", "28, 28, 1"},
    {"keras3.11.2-mnist-cnn-padding-same/mnist_cnn.keras", "28, 28, 1"},
    {"tfjs-layers2.0.0-mnist-cnn/my-model.json", "28, 28, 1"},
    {"keras2.3.1-jettagger-cnn-bn-strided/keras_jetTagger_Conv2D_small.h5", "25, 25, 1"},
};

const std::string python = "/usr/bin/python3";

bool have_numpy() { return testing::run_command(python + " -c 'import numpy, h5py'").exit_code == 0; }

std::string oracle() { return testing::source_dir() + "/tests/formats/keras_cnn_forward.py"; }

// Random inputs in [0, 1) of `shape` per sample.
void write_inputs(const std::string& path, const std::string& shape)
{
    const auto r = testing::run_command(python + " -c \"import numpy as np; np.save('" + path +
                                        "', np.random.default_rng(3).random((6, " + shape +
                                        ")).astype(np.float32))\"");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.output);
}

// The largest absolute difference of two .npy files, or a message.
std::string max_difference(const std::string& a, const std::string& b)
{
    const auto r = testing::run_command(python + " -c \"import numpy as np; a = np.load('" + a + "'); b = np.load('" +
                                        b + "'); assert a.shape == b.shape, (a.shape, b.shape); print(float(abs(a - b).max()))\"");
    return r.exit_code == 0 ? r.output : "error: " + r.output;
}

}  // namespace

BOOST_DATA_TEST_CASE(predictions_match_a_numpy_forward_pass, boost::unit_test::data::make(fixtures), f)
{
    if (!testing::interop_fixtures_present({})) {
        BOOST_TEST_MESSAGE("skipped: ../shared/fixtures/interop not found");
        return;
    }
    if (!have_numpy()) {
        BOOST_TEST_MESSAGE("skipped: " << python << " lacks numpy or h5py (python3-numpy, python3-h5py)");
        return;
    }
    testing::temp_directory dir;
    const std::string base = dir.path.string();
    const std::string x = base + "/x.npy", ours = base + "/mlrun.npy", theirs = base + "/numpy.npy";
    write_inputs(x, f.input_shape);
    const std::string model = testing::fixture(f.path);
    const auto run = testing::run_mlrun("predict --model '" + model + "' --input '" + x + "' --output '" + ours + "'");
    BOOST_TEST_REQUIRE(run.exit_code == 0, run.output);
    const auto reference = testing::run_command(python + " '" + oracle() + "' '" + model + "' '" + x + "' '" + theirs + "'");
    BOOST_TEST_REQUIRE(reference.exit_code == 0, reference.output);
    const std::string difference = max_difference(ours, theirs);
    BOOST_TEST_MESSAGE(f.path << ": max |mlrun - numpy| = " << difference);
    BOOST_TEST_REQUIRE(difference.rfind("error", 0) != 0, difference);
    BOOST_TEST(std::stod(difference) <= 1e-5, f.path << ": max |mlrun - numpy| = " << difference);
}

// The files mlrun writes for configs/mnist_cnn.yaml in Keras 3's forms,
// read by the same independent forward pass: it predicts what mlrun
// predicts from them (same tolerance as above).
BOOST_AUTO_TEST_CASE(keras_3_files_mlrun_writes_for_the_mnist_convnet_predict_alike_under_numpy)
{
    if (!have_numpy()) {
        BOOST_TEST_MESSAGE("skipped: " << python << " lacks numpy or h5py (python3-numpy, python3-h5py)");
        return;
    }
    testing::temp_directory dir;
    const std::string base = dir.path.string();
    const std::string x = base + "/x.npy";
    write_inputs(x, "28, 28, 1");
    for (const std::string name : {"mnist_cnn.keras", "mnist_cnn3.h5"}) {
        BOOST_TEST_CONTEXT(name)
        {
            const std::string model = base + "/" + name;
            const auto trained = testing::run_mlrun("configs/mnist_cnn.yaml fit.epochs=1 data.train.take=200 data.test.take=50 "
                                                    "fit.verbose=0 checkpoint.path= save.keras_version=3 save.path='" +
                                                    model + "'");
            BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
            const std::string ours = base + "/mlrun.npy", theirs = base + "/numpy.npy";
            const auto run = testing::run_mlrun("predict --model '" + model + "' --input '" + x + "' --output '" + ours + "'");
            BOOST_TEST_REQUIRE(run.exit_code == 0, run.output);
            const auto reference =
                testing::run_command(python + " '" + oracle() + "' '" + model + "' '" + x + "' '" + theirs + "'");
            BOOST_TEST_REQUIRE(reference.exit_code == 0, reference.output);
            const std::string difference = max_difference(ours, theirs);
            BOOST_TEST_REQUIRE(difference.rfind("error", 0) != 0, difference);
            BOOST_TEST(std::stod(difference) <= 1e-5, name << ": max |mlrun - numpy| = " << difference);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_channels_first_network_is_refused_naming_layer_and_key,
                     *testing::needs_interop_fixtures())
{
    const auto run = testing::run_mlrun("summary --model '" +
                                        testing::fixture("tf.keras2.4.0-mnist-cnn-bn-channels-first/mnist_cnn.h5") + "'");
    BOOST_TEST(run.exit_code != 0);
    BOOST_TEST(run.output.find("'conv2d' (Conv2D)") != std::string::npos, run.output);
    BOOST_TEST(run.output.find("data_format \"channels_first\"; expected channels_last") != std::string::npos, run.output);
}
