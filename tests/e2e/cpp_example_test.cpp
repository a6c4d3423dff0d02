// examples/cpp/save_and_restore.cpp, as a user builds it: mlrun installed
// into a fresh prefix, the example configured with find_package(mlrun)
// against that prefix alone, built and run. Its final weights must equal,
// byte for byte, those `mlrun` writes for the same training described in
// an experiment file: the C++ API and the YAML route are one trainer.
#define BOOST_TEST_MODULE cpp_example_test
#include <boost/test/unit_test.hpp>

#include "support/run_command.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <cstring>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

std::string quoted(const boost::filesystem::path& p) { return "'" + p.string() + "'"; }

command_result must_run(const std::string& what, const std::string& command)
{
    const command_result r = run_command(command);
    BOOST_TEST_REQUIRE(r.exit_code == 0, what << " failed (exit " << r.exit_code << "):\n" << command << "\n" << r.output);
    return r;
}

checkpoint read(const std::string& prefix, const plugin_registry& plugins)
{
    const format f = format_for_path(plugins, prefix);
    return f.load(prefix);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_installed_example_trains_as_the_experiment_does)
{
    const boost::filesystem::path data = boost::filesystem::path(source_dir()) / "data" / "mnist";
    BOOST_TEST_REQUIRE(boost::filesystem::exists(data / "train-images-idx3-ubyte.gz"),
                       data << " is missing; scripts/prepare_data.sh makes it");
    temp_directory tmp;
    const boost::filesystem::path prefix = tmp.path / "prefix";
    const boost::filesystem::path build = tmp.path / "build";
    const boost::filesystem::path work = tmp.path / "work";

    must_run("install", "cmake --install " + quoted(binary_dir()) + " --prefix " + quoted(prefix));
    // Only the fresh prefix: nothing of the build tree may leak into the example's build.
    must_run("configure", "cmake -S " + quoted(boost::filesystem::path(source_dir()) / "examples" / "cpp") + " -B " +
                              quoted(build) + " -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + quoted(prefix));
    must_run("build", "cmake --build " + quoted(build) + " -j 2");
    // MLRUN_PLUGIN_PATH unset: the example finds the plugins installed next to libmlrun.
    const command_result example =
        must_run("the example", "env -u MLRUN_PLUGIN_PATH " + quoted(build / "save_and_restore") + " " + quoted(data) +
                                    " " + quoted(work) + " quick");
    BOOST_TEST(example.output.find("Latest checkpoint: ") != std::string::npos, example.output);
    BOOST_TEST(boost::filesystem::exists(work / "training_2" / "cp-0010.ckpt.index"), example.output);
    BOOST_TEST(boost::filesystem::exists(work / "my_model.h5"));

    // The example's part 4: a fresh model (seed 42) trained 2 epochs, saved
    // whole, reloaded and trained to epoch 4; as one uninterrupted run.
    temp_directory exp;
    const std::string file = exp.write("tutorial.yaml",
        "mlrun: 1\nseed: 42\n"
        "data: {dataset: mnist, path: " + data.string() + ", train: {take: 200}, test: {take: 200}, flatten: true}\n"
        "model:\n"
        "  - Dense: {units: 512, activation: relu, input_shape: [784]}\n"
        "  - Dropout: {rate: 0.2}\n"
        "  - Dense: {units: 10, activation: softmax}\n"
        "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
        "fit: {epochs: 4, batch_size: 32, verbose: 0}\n"
        "save: {path: " + (exp.path / "final" / "weights").string() + ", weights_only: true}\n");
    must_run("mlrun", "env -u MLRUN_PLUGIN_PATH " + quoted(prefix / "bin" / "mlrun") + " " + quoted(file));

    const plugin_registry plugins({boost::filesystem::path(binary_dir()) / "lib" / "mlrun" / "plugins"});
    const checkpoint ours = read((work / "final" / "weights").string(), plugins);
    const checkpoint theirs = read((exp.path / "final" / "weights").string(), plugins);
    BOOST_TEST_REQUIRE(ours.tensors.size() == theirs.tensors.size());
    BOOST_TEST_REQUIRE(ours.tensors.size() == 4u);  // two Dense layers' kernel and bias
    for (std::size_t i = 0; i < ours.tensors.size(); ++i) {
        const auto& [name, t] = ours.tensors[i];
        BOOST_TEST(name == theirs.tensors[i].first);
        BOOST_TEST_REQUIRE(t.byte_size() == theirs.tensors[i].second.byte_size(), name);
        BOOST_TEST(std::memcmp(t.bytes(), theirs.tensors[i].second.bytes(), t.byte_size()) == 0,
                   name << " differs between the C++ API and the experiment");
    }
}
