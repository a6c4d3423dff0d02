// The mlrun command as a new user meets it: the tutorial's paths from
// YAML, output paths refused before any training, checkpoints usable by
// the model-file commands, and errors that say where the mistake is.
#define BOOST_TEST_MODULE first_use
#include <boost/test/unit_test.hpp>

#include "support/mlrun_process.hpp"
#include "support/run_command.hpp"
#include "support/temp_files.hpp"

#include <boost/filesystem/operations.hpp>

#include <sstream>
#include <string>

using mlrun::testing::run_mlrun;
namespace fs = boost::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A small experiment: 100 MNIST digits, a 16-unit hidden layer.
std::string experiment(const std::string& extra = "", const std::string& hidden = "dense",
                       const std::string& units = "10")
{
    return "mlrun: 1\nseed: 42\n"
           "data: {path: data/mnist, train: {take: 100}, test: {take: 100}, flatten: true}\n"
           "model:\n"
           "  - {name: " + hidden + ", Dense: {units: 16, activation: relu, input_shape: [784]}}\n"
           "  - {name: out, Dense: {units: " + units + ", activation: softmax}}\n"
           "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
           "fit: {epochs: 1, batch_size: 32, verbose: 2}\n" + extra;
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

// The first line of `output` that starts with `prefix`, or "".
std::string line_starting(const std::string& output, const std::string& prefix)
{
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) return line;
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_save_path_without_suffix_is_a_tensorflow_checkpoint_prefix)
{
    mlrun::testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", experiment());
    const std::string prefix = (dir.path / "checkpoints" / "my_checkpoint").string();
    const auto r = run_mlrun(quoted(config) + " save.path=" + quoted(prefix) + " save.weights_only=true");
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(fs::exists(prefix + ".index"), r.output);
    const auto named = run_mlrun(quoted(config) + " save.path=" + quoted(prefix + "2") + " save.format=tf_checkpoint");
    BOOST_TEST(named.exit_code == 0, named.output);
    BOOST_TEST(fs::exists(prefix + "2.index"), named.output);
}

// Keras 3 files are written for Sequential models: a graph model bound for
// one is refused before training, naming a layer, not after the run.
BOOST_AUTO_TEST_CASE(a_model_keras_3_files_cannot_hold_is_refused_before_training)
{
    mlrun::testing::temp_directory dir;
    const std::string config = dir.write(
        "graph.yaml",
        "mlrun: 1\nseed: 42\n"
        "data: {path: data/mnist, train: {take: 100}, test: {take: 100}, flatten: true}\n"
        "model:\n"
        "  - {name: pixels, Input: {shape: [784]}}\n"
        "  - {name: wide, Dense: {units: 16, activation: relu}, inputs: [pixels]}\n"
        "  - {name: narrow, Dense: {units: 8, activation: relu}, inputs: [pixels]}\n"
        "  - {name: both, Concatenate: {}, inputs: [wide, narrow]}\n"
        "  - {name: out, Dense: {units: 10, activation: softmax}, inputs: [both]}\n"
        "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
        "fit: {epochs: 1, batch_size: 32, verbose: 2}\n");
    for (const std::string key : {"save.path", "checkpoint.path"}) {
        // A .keras archive is a whole model, so checkpoints to one hold everything.
        const std::string target = key + "=" + quoted((dir.path / "m.keras").string()) +
                                   (key == "checkpoint.path" ? " checkpoint.save_weights_only=false" : "");
        const auto r = run_mlrun(quoted(config) + " " + target);
        BOOST_TEST(r.exit_code == 3, target << ": " << r.output);
        BOOST_TEST(contains(r.output, "layer 'out'"), target << ": " << r.output);
        BOOST_TEST(!contains(r.output, "Epoch 1/1"), target << " trained first: " << r.output);
        BOOST_TEST(!fs::exists(dir.path / "m.keras"), target);
    }
    // The same model as a legacy .h5 file (Keras 2's functional layout) trains and saves.
    const auto h5 = run_mlrun(quoted(config) + " save.path=" + quoted((dir.path / "m.h5").string()));
    BOOST_TEST(h5.exit_code == 0, h5.output);
}

BOOST_AUTO_TEST_CASE(output_paths_are_refused_before_training)
{
    mlrun::testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", experiment());
    for (const char* name : {"m.pt", "m.safetensors"}) {
        for (const std::string key : {"save.path", "checkpoint.path"}) {
            const auto r = run_mlrun(quoted(config) + " " + key + "=" + quoted((dir.path / name).string()));
            BOOST_TEST(r.exit_code == 3, key << "=" << name << ": " << r.output);
            BOOST_TEST(contains(r.output, key), r.output);
            BOOST_TEST(contains(r.output, "tf_checkpoint"), r.output);  // the formats there are
            BOOST_TEST(!contains(r.output, "Epoch 1/1"), key << "=" << name << " trained first: " << r.output);
        }
    }
    const auto r = run_mlrun(quoted(config) + " save.path=/dev/null/m.h5");
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, "save.path: '/dev/null/m.h5'"), r.output);
    BOOST_TEST(!contains(r.output, "Epoch 1/1"), r.output);
}

// A weights-only TensorFlow checkpoint keeps the architecture, loss and
// metrics: evaluate, predict and summary read it as a model file, with the
// data it was trained on or an experiment's.
// Keras 3's names say what a file holds: a .keras archive the whole model,
// a .weights.h5 file the weights alone. A save.path that contradicts
// save.weights_only is refused before the first step, naming the key.
BOOST_AUTO_TEST_CASE(keras_3_names_that_contradict_weights_only_are_refused_before_training)
{
    mlrun::testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", experiment());
    const std::string archive = (dir.path / "m.keras").string();
    const std::string weights = (dir.path / "m.weights.h5").string();
    for (const std::string& args : {"save.path=" + quoted(archive) + " save.weights_only=true",
                                    "save.path=" + quoted(weights) + " save.weights_only=false"}) {
        const auto r = run_mlrun(quoted(config) + " " + args);
        BOOST_TEST(r.exit_code == 3, args << ": " << r.output);
        BOOST_TEST(contains(r.output, "save.path"), args << ": " << r.output);
        BOOST_TEST(!contains(r.output, "Epoch 1/1"), args << " trained first: " << r.output);
    }
    BOOST_TEST(!fs::exists(archive));
    BOOST_TEST(!fs::exists(weights));
    const auto right = run_mlrun(quoted(config) + " save.path=" + quoted(weights) + " save.weights_only=true");
    BOOST_TEST(right.exit_code == 0, right.output);
    BOOST_TEST(fs::exists(weights), right.output);
}

BOOST_AUTO_TEST_CASE(model_commands_read_a_tensorflow_checkpoint)
{
    mlrun::testing::temp_directory dir;
    const std::string ckpt = (dir.path / "training_1" / "cp.ckpt").string();
    const std::string config = dir.write("exp.yaml", experiment("checkpoint: {path: " + ckpt + "}\n"));
    const auto trained = run_mlrun(quoted(config));
    BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
    const auto summary = run_mlrun("summary --model " + quoted(ckpt));
    BOOST_TEST(summary.exit_code == 0, summary.output);
    BOOST_TEST(contains(summary.output, "Total params: 12,730"), summary.output);
    const auto evaluate = run_mlrun("evaluate --model " + quoted(ckpt));
    BOOST_TEST(evaluate.exit_code == 0, evaluate.output);
    BOOST_TEST(!line_starting(trained.output, "Test (").empty(), trained.output);
    BOOST_TEST(line_starting(evaluate.output, "Test (") == line_starting(trained.output, "Test ("), evaluate.output);
    const auto with_config = run_mlrun("evaluate --model " + quoted(ckpt) + " --config " + quoted(config) +
                                       " data.test.take=50");
    BOOST_TEST(with_config.exit_code == 0, with_config.output);
    BOOST_TEST(contains(with_config.output, "Test (50 samples)"), with_config.output);

    std::string row;
    for (int i = 0; i < 784; ++i) row += (i == 0 ? "" : ",") + std::string(i % 7 == 0 ? "0.5" : "0");
    const std::string x = dir.write("x.csv", row + "\n" + row + "\n");
    const std::string y = (dir.path / "y.csv").string();
    const auto predict = run_mlrun("predict --model " + quoted(ckpt) + " --input " + quoted(x) + " --output " + quoted(y));
    BOOST_TEST(predict.exit_code == 0, predict.output);
    BOOST_TEST(contains(predict.output, "Wrote 2 predictions of shape (10,)"), predict.output);
    BOOST_TEST(fs::exists(y), predict.output);
    const auto summary_with_config = run_mlrun("summary --model " + quoted(ckpt) + " --config " + quoted(config));
    BOOST_TEST(summary_with_config.exit_code == 0, summary_with_config.output);
    BOOST_TEST(contains(summary_with_config.output, "Total params: 12,730"), summary_with_config.output);
}

BOOST_AUTO_TEST_CASE(renamed_layers_take_the_weights_by_position)
{
    mlrun::testing::temp_directory dir;
    const std::string ckpt = (dir.path / "training_1" / "cp.ckpt").string();
    const std::string config = dir.write("exp.yaml", experiment("checkpoint: {path: " + ckpt + "}\n"));
    BOOST_TEST_REQUIRE(run_mlrun(quoted(config)).exit_code == 0);
    const std::string renamed = dir.write("renamed.yaml", experiment("", "hidden"));
    const auto r = run_mlrun("evaluate " + quoted(renamed) + " --weights " + quoted(ckpt));
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(!contains(r.output, "damaged"), r.output);
    BOOST_TEST(contains(r.output, "Restored model, accuracy:"), r.output);
    const std::string wider = dir.write("wider.yaml", experiment("", "hidden", "12"));
    const auto mismatch = run_mlrun("evaluate " + quoted(wider) + " --weights " + quoted(ckpt));
    BOOST_TEST(mismatch.exit_code == 6, mismatch.output);
    BOOST_TEST(!contains(mismatch.output, "damaged"), mismatch.output);
}

BOOST_AUTO_TEST_CASE(going_on_to_an_epoch_already_reached_is_an_error)
{
    mlrun::testing::temp_directory dir;
    const std::string model = (dir.path / "two.h5").string();
    const std::string config = dir.write("exp.yaml", experiment("save: {path: " + model + "}\n"));
    BOOST_TEST_REQUIRE(run_mlrun(quoted(config) + " fit.epochs=2").exit_code == 0);
    const auto r = run_mlrun("train --model " + quoted(model) + " --config " + quoted(config) + " fit.epochs=1");
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, "fit.epochs"), r.output);
    BOOST_TEST(!contains(r.output, "Going on"), r.output);
}

BOOST_AUTO_TEST_CASE(the_resume_hint_is_true_and_keeps_the_overrides)
{
    mlrun::testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", experiment());
    const std::string ckpt = (dir.path / "ck" / "cp.ckpt").string();
    // Long enough that the signal lands mid-run.
    const std::string run = "cd '" + mlrun::testing::source_dir() + "' && timeout -s TERM 3 '" +
                            mlrun::testing::binary_dir() + "/bin/mlrun' " + quoted(config) +
                            " fit.epochs=100000 data.train.take=1000";
    const auto none = mlrun::testing::run_command(run + " 'checkpoint.path='");
    BOOST_TEST(!contains(none.output, "--resume` goes on"), none.output);
    BOOST_TEST(contains(none.output, "cannot be resumed"), none.output);
    const auto saved = mlrun::testing::run_command(run + " checkpoint.path=" + quoted(ckpt) + " 'fit.batch_size=16'");
    BOOST_TEST(contains(saved.output, " fit.epochs=100000 data.train.take=1000 checkpoint.path="), saved.output);
    BOOST_TEST(contains(saved.output, "fit.batch_size=16 --resume` goes on from here"), saved.output);
}

BOOST_AUTO_TEST_CASE(override_errors_name_the_argument)
{
    mlrun::testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", experiment());
    const auto r = run_mlrun(quoted(config) + " fit.epochs=x");
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, "command line argument 'fit.epochs=x': fit.epochs: expected an integer"), r.output);
    BOOST_TEST(!contains(r.output, ":1:1"), r.output);
    const auto empty = run_mlrun(quoted(config) + " checkpoint.path=");
    BOOST_TEST(empty.exit_code == 0, empty.output);
}

BOOST_AUTO_TEST_CASE(mistakes_in_a_file_have_a_line_and_column)
{
    mlrun::testing::temp_directory dir;
    struct mistake {
        std::string yaml;
        std::string where;
    };
    const std::string base = experiment();
    auto with = [&](const std::string& from, const std::string& to) {
        std::string text = base;
        text.replace(text.find(from), from.size(), to);
        return text;
    };
    const mistake mistakes[] = {
        {with("metrics: [accuracy]", "metrics: [acuracy]"), "exp.yaml:7:"},
        {with("batch_size: 32", "batch_size: 0"), "exp.yaml:8:"},
        {with("epochs: 1,", "epochs: 1000000000000,"), "exp.yaml:8:"},
        {with("seed: 42", "seed: -1"), "exp.yaml:2:"},
    };
    for (const mistake& m : mistakes) {
        const auto r = run_mlrun(quoted(dir.write("exp.yaml", m.yaml)));
        BOOST_TEST(r.exit_code == 3, r.output);
        BOOST_TEST(contains(r.output, m.where), r.output);
        BOOST_TEST(!contains(r.output, "bad conversion"), r.output);
    }
    const auto directory = run_mlrun(quoted(dir.path.string()));
    BOOST_TEST(directory.exit_code == 3, directory.output);
    BOOST_TEST(contains(directory.output, "found a directory"), directory.output);
}

BOOST_AUTO_TEST_CASE(a_metric_that_does_not_fit_the_labels_names_its_place)
{
    mlrun::testing::temp_directory dir;
    std::string text = experiment();
    const std::string from = "metrics: [accuracy]";
    text.replace(text.find(from), from.size(), "metrics: [accuracy, binary_accuracy]");
    const auto r = run_mlrun(quoted(dir.write("exp.yaml", text)));
    BOOST_TEST(r.exit_code == 3, r.output);
    // The second metric's own column on line 7, not the list's.
    BOOST_TEST(contains(r.output, "exp.yaml:7:87: compile.metrics: metric binary_accuracy"), r.output);
    BOOST_TEST(!contains(r.output, "Epoch 1/1"), r.output);
}

BOOST_AUTO_TEST_CASE(labels_outside_the_classes_name_the_file_and_index)
{
    mlrun::testing::temp_directory dir;
    const auto r = run_mlrun(quoted(dir.write("exp.yaml", experiment("", "dense", "5"))));
    BOOST_TEST(r.exit_code == 4, r.output);
    BOOST_TEST(contains(r.output, "labels-idx1-ubyte"), r.output);
    BOOST_TEST(contains(r.output, "label #"), r.output);
    BOOST_TEST(!contains(r.output, "Epoch 1/1"), r.output);
}
