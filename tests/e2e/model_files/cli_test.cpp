// The mlrun tool with model files, run as a user runs it: train and save
// from an experiment, then evaluate, summarise, predict and inspect the
// file without the experiment; and the exit codes of bad input.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/data/array_io.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

struct result {
    int code;
    std::string output;
};

// Runs mlrun with `arguments` in directory `cwd`; stdout and stderr together.
result mlrun_tool(const std::string& cwd, const std::string& arguments)
{
    const std::string command =
        "cd '" + cwd + "' && '" + environment("MLRUN_BINARY_DIR") + "/bin/mlrun' " + arguments + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    BOOST_REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 4096> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
    const int status = pclose(pipe);
    BOOST_TEST_MESSAGE("mlrun " << arguments << " -> " << output);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string line_starting(const std::string& output, const std::string& prefix)
{
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) return line;
    }
    BOOST_ERROR("no line starting with '" + prefix + "' in:\n" + output);
    return "";
}

void write_big_endian(std::ofstream& out, std::uint32_t value)
{
    const unsigned char bytes[4] = {static_cast<unsigned char>(value >> 24), static_cast<unsigned char>(value >> 16),
                                    static_cast<unsigned char>(value >> 8), static_cast<unsigned char>(value)};
    out.write(reinterpret_cast<const char*>(bytes), 4);
}

// 6x6 byte images of three classes, each bright in its own corner, plus
// noise; written as raw IDX files like MNIST's.
void write_idx_split(const std::string& dir, const std::string& split, int samples, rng& gen)
{
    std::ofstream images(dir + "/" + split + "-images", std::ios::binary);
    std::ofstream labels(dir + "/" + split + "-labels", std::ios::binary);
    write_big_endian(images, 0x00000803);
    write_big_endian(images, static_cast<std::uint32_t>(samples));
    write_big_endian(images, 6);
    write_big_endian(images, 6);
    write_big_endian(labels, 0x00000801);
    write_big_endian(labels, static_cast<std::uint32_t>(samples));
    for (int s = 0; s < samples; ++s) {
        const int label = s % 3;
        for (int r = 0; r < 6; ++r) {
            for (int c = 0; c < 6; ++c) {
                const bool bright = (label == 0 && r < 3 && c < 3) || (label == 1 && r >= 3 && c >= 3) ||
                                    (label == 2 && r < 3 && c >= 3);
                const float value = (bright ? 150.0f : 20.0f) + gen.uniform(0.0f, 100.0f);
                images.put(static_cast<char>(static_cast<unsigned char>(value)));
            }
        }
        labels.put(static_cast<char>(label));
    }
}

struct trained_model {
    temp_dir data;
    temp_dir elsewhere;  // a directory without the experiment, to run the model-file commands in
    std::string model;
    std::string training_output;

    trained_model()
    {
        rng gen(4);
        write_idx_split(data.dir.string(), "train", 300, gen);
        write_idx_split(data.dir.string(), "test", 90, gen);
        model = data.path("model.h5");
        std::ofstream(data.path("experiment.yaml"))
            << "mlrun: 1\nseed: 3\n"
            << "data: {dataset: idx, path: " << data.dir.string()
            << ", train: {images: train-images, labels: train-labels},"
            << " test: {images: test-images, labels: test-labels}, flatten: true}\n"
            << "model:\n  - Dense: {units: 16, activation: relu, input_shape: [36]}\n  - Dropout: {rate: 0.2}\n"
            << "  - Dense: {units: 3, activation: softmax}\n"
            << "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
            << "fit: {epochs: 3, batch_size: 16, verbose: 2}\n"
            << "save: {path: " << model << "}\n";
        const result r = mlrun_tool(data.dir.string(), "experiment.yaml");
        BOOST_REQUIRE_EQUAL(r.code, 0);
        training_output = r.output;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(model_file_commands)

BOOST_AUTO_TEST_CASE(a_saved_model_evaluates_to_the_accuracy_training_reported)
{
    trained_model t;
    BOOST_CHECK(t.training_output.find("Saved the model to " + t.model + " (hdf5 format, after epoch 3)") !=
                std::string::npos);
    const result r = mlrun_tool(t.elsewhere.dir.string(), "evaluate --model " + t.model);
    BOOST_REQUIRE_EQUAL(r.code, 0);
    // The same loss and accuracy, from the file alone (its training state names the data).
    BOOST_CHECK_EQUAL(line_starting(r.output, "Test ("), line_starting(t.training_output, "Test ("));
    BOOST_CHECK(r.output.find("Restored model from " + t.model + " (3 epochs, optimizer at iteration 57)") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(going_on_from_a_saved_model_equals_one_longer_run)
{
    trained_model t;  // 3 epochs, saved to model.h5
    const std::string dir = t.data.dir.string();
    result r = mlrun_tool(dir, "experiment.yaml fit.epochs=6 save.path=six.h5");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    r = mlrun_tool(dir, "train --model " + t.model + " --config experiment.yaml fit.epochs=6 save.path=three_more.h5");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK(r.output.find("Going on from epoch 3 of " + t.model + " (seed 3) to epoch 6") != std::string::npos);
    BOOST_CHECK(r.output.find("Epoch 4/6") != std::string::npos && r.output.find("Epoch 3/6") == std::string::npos);
    BOOST_CHECK(r.output.find("Saved the model to three_more.h5 (hdf5 format, after epoch 6)") != std::string::npos);
    const plugin_registry plugins = build_plugins();
    const checkpoint straight = format_for_path(plugins, "x.h5").load(t.data.path("six.h5"));
    const checkpoint resumed = format_for_path(plugins, "x.h5").load(t.data.path("three_more.h5"));
    BOOST_REQUIRE_EQUAL(straight.tensors.size(), resumed.tensors.size());
    for (std::size_t i = 0; i < straight.tensors.size(); ++i) {
        const tensor& a = straight.tensors[i].second;
        const tensor& b = resumed.tensors[i].second;
        BOOST_CHECK_EQUAL(straight.tensors[i].first, resumed.tensors[i].first);
        BOOST_CHECK_MESSAGE(a.dims() == b.dims() && std::memcmp(a.bytes(), b.bytes(), a.byte_size()) == 0,
                            straight.tensors[i].first + " differs");
    }
    BOOST_CHECK_EQUAL(straight.metadata.at("training_state"), resumed.metadata.at("training_state"));
    // Files carry no timestamps, so the two are the same bytes.
    auto bytes = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    BOOST_CHECK(bytes(t.data.path("six.h5")) == bytes(t.data.path("three_more.h5")));
    // Needs the experiment for its data and fit settings.
    BOOST_CHECK_EQUAL(mlrun_tool(dir, "train --model " + t.model).code, 2);
}

BOOST_AUTO_TEST_CASE(summary_and_inspect_describe_the_file)
{
    trained_model t;
    const result summary = mlrun_tool(t.elsewhere.dir.string(), "summary --model " + t.model);
    BOOST_REQUIRE_EQUAL(summary.code, 0);
    BOOST_CHECK(summary.output.find("Model: \"sequential\"") != std::string::npos);
    BOOST_CHECK(summary.output.find("dropout (Dropout)") != std::string::npos);
    BOOST_CHECK(summary.output.find("Total params: 643") != std::string::npos);  // 36*16+16 + 16*3+3

    const result inspect = mlrun_tool(t.elsewhere.dir.string(), "inspect " + t.model);
    BOOST_REQUIRE_EQUAL(inspect.code, 0);
    for (const char* expected : {"whole model, written by mlrun 0.1.0 in the layout of Keras 2.10.0", "Layers:", "dense_1",
                                 "loss: sparse_categorical_crossentropy", "optimizer: Adam", "trained: 3 epochs",
                                 "dense/kernel", "(36, 16)", "Optimizer state:", "iterations", "= 57",
                                 "dense_1/bias/v", "Total: 643 weight values, 1286 optimizer slot values"}) {
        BOOST_CHECK_MESSAGE(inspect.output.find(expected) != std::string::npos, std::string("missing: ") + expected);
    }
}

BOOST_AUTO_TEST_CASE(keras_3_files_come_from_experiments_and_convert)
{
    trained_model t;  // 3 epochs, saved to model.h5
    const std::string dir = t.data.dir.string();
    // save.path and checkpoint.path in Keras 3's names.
    result r = mlrun_tool(dir, "experiment.yaml save.path=m.keras checkpoint.path=cp/cp-{epoch}.weights.h5");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK(r.output.find("Saved the model to m.keras (hdf5 format, after epoch 3)") != std::string::npos);
    r = mlrun_tool(dir, "evaluate --model m.keras");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK_EQUAL(line_starting(r.output, "Test ("), line_starting(t.training_output, "Test ("));
    r = mlrun_tool(dir, "inspect cp/cp-3.weights.h5");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK(r.output.find("keras 3 weights, written by mlrun 0.1.0 in the layout of Keras 3") != std::string::npos);
    // A checkpoint in Keras 3's layout resumes: its own metadata says where.
    r = mlrun_tool(dir, "experiment.yaml fit.epochs=4 checkpoint.path=cp/cp-{epoch}.weights.h5 fit.resume=auto save.path=");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK(r.output.find("Epoch 4/4") != std::string::npos);

    r = mlrun_tool(dir, "convert " + t.model + " converted.keras");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    r = mlrun_tool(dir, "inspect converted.keras");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK(r.output.find("keras 3 archive, written by mlrun 0.1.0 in the layout of Keras 3.8.0") != std::string::npos);
    BOOST_CHECK(r.output.find("written by Keras") == std::string::npos);
    // keras_version picks the layout of a .h5; a Keras 2 name for Keras 3's layouts is refused before training.
    r = mlrun_tool(dir, "experiment.yaml save.path=k3.h5 save.keras_version=3");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    r = mlrun_tool(dir, "inspect k3.h5");
    BOOST_CHECK(r.output.find("whole model, written by mlrun 0.1.0 in the layout of Keras 3.8.0") != std::string::npos);
    r = mlrun_tool(dir, "experiment.yaml save.path=k.yaml save.keras_version=3");
    BOOST_CHECK_EQUAL(r.code, 3);
    BOOST_CHECK(r.output.find("save.keras_version: applies to the hdf5 format only") != std::string::npos);
    BOOST_CHECK(r.output.find("Epoch 1/") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(predict_writes_what_the_loaded_model_computes)
{
    trained_model t;
    tensor x({5, 36});
    rng gen(8);
    for (std::int64_t i = 0; i < x.size(); ++i) x.f32()[i] = gen.uniform();
    write_array(t.elsewhere.path("x.npy"), x);
    write_array(t.elsewhere.path("x.csv"), x);

    const plugin_registry plugins = build_plugins();
    backend be(plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    const tensor expected = load_model(t.model, plugins, be)->predict(x, 5);

    result r = mlrun_tool(t.elsewhere.dir.string(), "predict --model " + t.model + " --input x.npy --output y.npy");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK(r.output.find("Wrote 5 predictions of shape (3,) to y.npy") != std::string::npos);
    const tensor y = read_array(t.elsewhere.path("y.npy"));
    BOOST_REQUIRE(y.dims() == expected.dims());
    BOOST_CHECK(std::memcmp(y.bytes(), expected.bytes(), y.byte_size()) == 0);

    // CSV in and out: nine significant digits carry every float32 exactly.
    r = mlrun_tool(t.elsewhere.dir.string(), "predict --model " + t.model + " --input x.csv --output y.csv");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    const tensor y_csv = read_array(t.elsewhere.path("y.csv"));
    BOOST_REQUIRE(y_csv.dims() == expected.dims());
    BOOST_CHECK(std::memcmp(y_csv.bytes(), expected.bytes(), y_csv.byte_size()) == 0);
}

BOOST_AUTO_TEST_CASE(bad_input_gives_one_clear_error_and_its_exit_code)
{
    trained_model t;
    const std::string dir = t.elsewhere.dir.string();
    std::ofstream(t.elsewhere.path("garbage.h5")) << "not a model";
    result r = mlrun_tool(dir, "evaluate --model garbage.h5");
    BOOST_CHECK_EQUAL(r.code, 7);  // file I/O
    BOOST_CHECK(r.output.find("mlrun: error: garbage.h5: cannot open as hdf5: not an HDF5 file") != std::string::npos);

    {
        std::ifstream in(t.model, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(t.elsewhere.path("truncated.h5"), std::ios::binary).write(bytes.data(), 3000);
    }
    r = mlrun_tool(dir, "summary --model truncated.h5");
    BOOST_CHECK_EQUAL(r.code, 7);
    // A file mlrun wrote: its checksum block says what is missing before libhdf5 opens it.
    BOOST_CHECK(r.output.find("truncated.h5") != std::string::npos &&
                r.output.find("file changed after it was written: 2488 bytes after the checksum block") != std::string::npos);

    std::ofstream(t.elsewhere.path("wide.csv")) << "1,2,3\n4,5,6\n";
    r = mlrun_tool(dir, "predict --model " + t.model + " --input wide.csv --output y.npy");
    BOOST_CHECK_EQUAL(r.code, 4);  // data
    BOOST_CHECK(r.output.find("wide.csv: the model takes samples of shape (36,) (36 values each), the file holds (2, 3)") !=
                std::string::npos);

    r = mlrun_tool(dir, "predict --model " + t.model + " --input x.npy");
    BOOST_CHECK_EQUAL(r.code, 2);  // usage
    // Neither a Keras file nor a checkpoint prefix: inspect says what it reads.
    r = mlrun_tool(dir, "inspect notes.txt");
    BOOST_CHECK_EQUAL(r.code, 7);
    BOOST_TEST(r.output.find("notes.txt: not a checkpoint") != std::string::npos, r.output);

    // Weights only: no architecture to evaluate.
    r = mlrun_tool(t.data.dir.string(), "experiment.yaml fit.epochs=1 save.weights_only=true save.path=w.h5");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    r = mlrun_tool(t.data.dir.string(), "evaluate --model w.h5");
    BOOST_CHECK_EQUAL(r.code, 6);  // model
    BOOST_CHECK(r.output.find("w.h5: the file holds no architecture (weights only)") != std::string::npos);
}

// Files Keras wrote go through the same commands.
BOOST_AUTO_TEST_CASE(keras_files_are_inspected_predicted_and_refused_the_same_way, *needs_interop_fixtures())
{
    trained_model t;
    const std::string dir = t.elsewhere.dir.string();
    result r = mlrun_tool(dir, "inspect " + fixture("keras2.1.1-iris/iris_model.h5"));
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK(r.output.find("written by Keras 2.1.1") != std::string::npos);
    BOOST_CHECK(r.output.find("= 7500") != std::string::npos);

    // The tf.keras MNIST model on 28x28 inputs.
    tensor digits({2, 28, 28});
    rng gen(8);
    for (std::int64_t i = 0; i < digits.size(); ++i) digits.f32()[i] = gen.uniform();
    write_array(t.elsewhere.path("digits.npy"), digits);
    r = mlrun_tool(dir, "predict --model " + fixture("tf.keras2.2.4-tf-mnist/mnist.h5") + " --input digits.npy --output p.csv");
    BOOST_REQUIRE_EQUAL(r.code, 0);
    BOOST_CHECK(read_array(t.elsewhere.path("p.csv")).dims() == shape({2, 10}));

    // A Keras model without training configuration cannot be evaluated, and says why.
    r = mlrun_tool(dir, "evaluate --model " + fixture("keras2.3.1-functional-3layer/keras_3layer.h5") + " --config " +
                            t.data.path("experiment.yaml"));
    BOOST_CHECK_EQUAL(r.code, 6);
    BOOST_CHECK(r.output.find("saved without its loss and optimizer") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
