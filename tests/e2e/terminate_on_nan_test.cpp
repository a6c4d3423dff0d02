// A run whose loss becomes NaN or infinite stops at that step with exit 8
// and writes nothing, so the checkpoints of an earlier good run stay as
// they were; fit.terminate_on_nan: false lets it go on to the end.
#define BOOST_TEST_MODULE terminate_on_nan
#include <boost/test/unit_test.hpp>

#include "support/run_command.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <boost/filesystem.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

using namespace mlrun;

namespace {

testing::command_result run_mlrun(const std::string& arguments)
{
    const testing::command_result r = testing::run_command("cd '" + testing::source_dir() + "' && '" +
                                                           testing::binary_dir() + "/bin/mlrun' " + arguments);
    BOOST_TEST_REQUIRE(r.exit_code >= 0, "mlrun " << arguments << " died: " << r.output);
    return r;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count_of(const std::string& text, const std::string& part)
{
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

// Every checkpoint file of `directory` with its bytes (not the run's lock
// or its copy of the experiment, which each run writes at its start).
std::map<std::string, std::string> snapshot(const boost::filesystem::path& directory)
{
    std::map<std::string, std::string> files;
    for (const auto& entry : boost::filesystem::directory_iterator(directory)) {
        const std::string name = entry.path().filename().string();
        if (name == ".mlrun.lock" || name == "experiment.yaml") continue;
        std::ifstream in(entry.path().string(), std::ios::binary);
        files[entry.path().filename().string()] =
            std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return files;
}

// Adam at 1e30 sends the weights to ~1e30 after one step; the next
// forward pass overflows and the loss is NaN within the first epoch.
std::string experiment(const testing::temp_directory& dir, const std::string& learning_rate)
{
    const std::string out = (dir.path / "out").string();
    return "data: {path: data/mnist, train: {take: 100}, test: {take: 100}, flatten: true}\n"
           "model:\n"
           "  - Dense: {units: 16, activation: relu, input_shape: [784]}\n"
           "  - Dense: {units: 10, activation: softmax}\n"
           "compile: {loss: sparse_categorical_crossentropy, metrics: [accuracy], optimizer: {adam: {learning_rate: " +
           learning_rate + "}}}\n"
           "fit: {epochs: 2, verbose: 2}\n"
           "checkpoint: {path: " + out + "/cp.ckpt}\n"
           "save: {path: " + out + "/model.ckpt}\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_diverging_run_stops_with_exit_8_and_leaves_the_checkpoints_alone)
{
    testing::temp_directory dir;
    const testing::command_result good = run_mlrun(dir.write("good.yaml", experiment(dir, "0.001")));
    BOOST_TEST_REQUIRE(good.exit_code == 0, good.output);
    const std::map<std::string, std::string> before = snapshot(dir.path / "out");
    BOOST_TEST_REQUIRE(before.count("cp.ckpt.index") == 1u);
    BOOST_TEST_REQUIRE(before.count("model.ckpt.index") == 1u);

    const testing::command_result bad = run_mlrun(dir.write("bad.yaml", experiment(dir, "1e30")));
    BOOST_TEST(bad.exit_code == 8, bad.output);
    BOOST_TEST(contains(bad.output, "the loss became nan at epoch 1/2, step "), bad.output);
    BOOST_TEST(contains(bad.output, "fit.terminate_on_nan"), bad.output);
    BOOST_TEST(!contains(bad.output, "saving model"), bad.output);
    // No file written, replaced or deleted: the good run's checkpoints load as before.
    BOOST_TEST((snapshot(dir.path / "out") == before));
    const testing::command_result reload =
        run_mlrun("evaluate " + (dir.path / "good.yaml").string() + " --weights " + (dir.path / "out/cp.ckpt").string());
    BOOST_TEST(reload.exit_code == 0, reload.output);
    BOOST_TEST(contains(reload.output, "Restored model, accuracy: "), reload.output);
}

BOOST_AUTO_TEST_CASE(with_terminate_on_nan_off_the_run_goes_on_and_warns_once)
{
    testing::temp_directory dir;
    const testing::command_result r =
        run_mlrun(dir.write("bad.yaml", experiment(dir, "1e30")) + " fit.terminate_on_nan=false");
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "Epoch 2/2 - "), r.output);
    BOOST_TEST(count_of(r.output, "the loss became nan") == 1u, r.output);
    BOOST_TEST(contains(r.output, "fit.terminate_on_nan is false"), r.output);
}
