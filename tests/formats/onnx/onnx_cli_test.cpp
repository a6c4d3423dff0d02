// The onnx format through the mlrun tool: convert and save.path export,
// inspect reads the graph, loading an ONNX file as a model or weights says
// it is export-only, a model ONNX cannot express is refused before the
// first step, and a refused export leaves an existing file as it was.
#include <boost/test/unit_test.hpp>

#include "support/mlrun_process.hpp"
#include "support/temp_files.hpp"

#include <fstream>
#include <iterator>

using namespace mlrun;
using testing::run_mlrun;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string file_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A small MNIST experiment (one epoch on 200 digits) in a scratch directory;
// `layers` replaces the hidden layer.
struct mnist_run {
    testing::temp_directory dir;
    std::string config;
    explicit mnist_run(const std::string& layers = "  - Dense: {units: 16, activation: relu, input_shape: [784]}\n")
    {
        config = dir.write("exp.yaml",
                           "mlrun: 1\nseed: 7\nbackend: reference\n"
                           "data: {dataset: mnist, path: " + testing::source_dir() + "/data/mnist, train: {take: 200}, "
                           "test: {take: 100}, flatten: true}\n"
                           "model:\n" + layers + "  - Dense: {units: 10, activation: softmax}\n"
                           "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
                           "fit: {epochs: 1, batch_size: 32, verbose: 0}\n");
    }
    std::string path(const std::string& name) const { return (dir.path / name).string(); }
};

std::string leaky_relu_plugins()
{
    return testing::binary_dir() + "/tests/onnx_layer_plugins";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(onnx_cli)

BOOST_AUTO_TEST_CASE(convert_and_save_path_export_and_inspect_shows_the_graph)
{
    mnist_run run;
    const auto trained = run_mlrun("'" + run.config + "' save.path=" + run.path("m.h5"));
    BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
    const auto converted = run_mlrun("convert '" + run.path("m.h5") + "' '" + run.path("m.onnx") + "'");
    BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);
    BOOST_TEST(contains(converted.output, "to " + run.path("m.onnx") + " (onnx)"), converted.output);

    const auto inspected = run_mlrun("inspect '" + run.path("m.onnx") + "'");
    BOOST_TEST(inspected.exit_code == 0, inspected.output);
    BOOST_TEST(contains(inspected.output, "dense/kernel (float32) [784,16]"), inspected.output);
    BOOST_TEST(contains(inspected.output, "input: FLOAT [batch, 784]"), inspected.output);
    BOOST_TEST(contains(inspected.output, "dense_1: FLOAT [batch, 10]"), inspected.output);
    BOOST_TEST(contains(inspected.output, "ai.onnx 17"), inspected.output);
    BOOST_TEST(contains(inspected.output, run.path("m.h5")), "the source file is recorded: " << inspected.output);
    BOOST_TEST(!contains(inspected.output, "optimizer/"), "no optimizer state in the graph: " << inspected.output);

    const auto saved = run_mlrun("'" + run.config + "' save.path=" + run.path("direct.onnx"));
    BOOST_TEST_REQUIRE(saved.exit_code == 0, saved.output);
    BOOST_TEST(contains(saved.output, "(onnx format, after epoch 1)"), saved.output);
    const auto direct = run_mlrun("inspect '" + run.path("direct.onnx") + "'");
    BOOST_TEST(contains(direct.output, run.config), "the experiment file is the source: " << direct.output);
}

// The exporter's own constants (Reshape's shape, int64) are listed beside the weights.
BOOST_AUTO_TEST_CASE(inspect_shows_an_exported_cnn)
{
    mnist_run run("  - {Reshape: {target_shape: [28, 28, 1], input_shape: [784]}, name: image}\n"
                  "  - {Conv2D: {filters: 4, kernel_size: 3, strides: 2}, name: c}\n"
                  "  - {MaxPooling2D: {}, name: p}\n"
                  "  - {Flatten: {}, name: flat}\n");
    const auto saved = run_mlrun("'" + run.config + "' save.path=" + run.path("cnn.onnx"));
    BOOST_TEST_REQUIRE(saved.exit_code == 0, saved.output);
    const auto inspected = run_mlrun("inspect '" + run.path("cnn.onnx") + "'");
    BOOST_TEST(inspected.exit_code == 0, inspected.output);
    BOOST_TEST(contains(inspected.output, "c/kernel (float32) [3,3,1,4]"), inspected.output);
    BOOST_TEST(contains(inspected.output, "image/shape (int64) [4]"), inspected.output);
    BOOST_TEST(contains(inspected.output, "input: FLOAT [batch, 784]"), inspected.output);
    BOOST_TEST(contains(inspected.output, "dense: FLOAT [batch, 10]"), inspected.output);
}

BOOST_AUTO_TEST_CASE(an_onnx_file_is_never_loaded_as_a_model_or_weights)
{
    mnist_run run;
    BOOST_TEST_REQUIRE(run_mlrun("'" + run.config + "' save.path=" + run.path("m.onnx")).exit_code == 0);
    const std::string model = run.path("m.onnx");
    const std::string x = run.dir.write("x.csv", std::string(783 * 2, ',').replace(0, 1, "0") + "\n");
    for (const std::string& command :
         {"predict --model '" + model + "' --input '" + x + "' --output '" + run.path("y.npy") + "'",
          "evaluate --model '" + model + "'", "evaluate '" + run.config + "' --weights '" + model + "'",
          "train --model '" + model + "' --config '" + run.config + "' fit.epochs=2",
          "convert '" + model + "' '" + run.path("back.h5") + "'"}) {
        const auto r = run_mlrun(command);
        BOOST_TEST(r.exit_code == 6, command << ": " << r.output);
        BOOST_TEST(contains(r.output, model + ": the onnx format is export-only"), command << ": " << r.output);
    }
}

BOOST_AUTO_TEST_CASE(a_layer_onnx_cannot_express_is_refused_before_training)
{
    mnist_run run("  - Dense: {units: 16, input_shape: [784]}\n  - {LeakyRectifier: {alpha: 0.1}, name: leaky}\n");
    const std::string plugins = "--plugin-dir '" + leaky_relu_plugins() + "' ";
    BOOST_TEST_REQUIRE(run_mlrun(plugins + "'" + run.config + "'").exit_code == 0, "the model trains as such");
    const auto r = run_mlrun(plugins + "'" + run.config + "' save.path=" + run.path("m.onnx"));
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, "save.path: '" + run.path("m.onnx") + "': the onnx format cannot export this model"),
               r.output);
    BOOST_TEST(contains(r.output, "layer 'leaky' (LeakyRectifier): no ONNX mapping for the class LeakyRectifier"), r.output);
    BOOST_TEST(!contains(r.output, "Test ("), "refused before training: " << r.output);
    BOOST_TEST(!boost::filesystem::exists(run.path("m.onnx")));
}

BOOST_AUTO_TEST_CASE(checkpoints_in_an_export_only_format_are_refused_before_training)
{
    mnist_run run;
    const std::string path = run.path("ck/cp-{epoch:02d}.onnx");
    const auto r = run_mlrun("'" + run.config + "' checkpoint.path='" + path + "'");
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, "checkpoint.path: '" + path + "': the onnx format is export-only"), r.output);
    BOOST_TEST(!contains(r.output, "Test ("), "refused before training: " << r.output);
}

BOOST_AUTO_TEST_CASE(a_refused_export_leaves_the_existing_file)
{
    mnist_run run;
    BOOST_TEST_REQUIRE(
        run_mlrun("'" + run.config + "' save.path=" + run.path("w.h5") + " save.weights_only=true").exit_code == 0);
    const std::string target = run.dir.write("m.onnx", "an earlier export");
    const auto r = run_mlrun("convert '" + run.path("w.h5") + "' '" + target + "'");
    BOOST_TEST(r.exit_code == 7, r.output);
    BOOST_TEST(contains(r.output, "holds no architecture (model_config)"), r.output);
    BOOST_TEST(file_text(target) == "an earlier export");
}

BOOST_AUTO_TEST_SUITE_END()
