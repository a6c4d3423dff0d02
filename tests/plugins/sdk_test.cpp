// The plugin SDK the way a user meets it: install mlrun into a prefix,
// build each example in plugins/examples out of tree against it, load it
// with --plugin-dir and use it.
#define BOOST_TEST_MODULE plugin_sdk
#include <boost/test/unit_test.hpp>

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "support/run_command.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace mlrun;
namespace fs = boost::filesystem;

namespace {

// One installed prefix and the three examples built against it, shared by
// every test case (building takes most of this suite's time).
struct installed_sdk {
    testing::temp_directory root;
    fs::path prefix = root.path / "prefix";

    installed_sdk()
    {
        run("cmake --install '" + testing::binary_dir() + "' --prefix '" + prefix.string() + "'");
        for (const char* example : {"blocked_gemm", "npz_format", "leaky_relu"}) {
            const std::string source = testing::source_dir() + "/plugins/examples/" + example;
            const std::string build = (root.path / example).string();
            run("cmake -S '" + source + "' -B '" + build + "' -DCMAKE_PREFIX_PATH='" + prefix.string() + "'");
            run("cmake --build '" + build + "'");
        }
    }

    static void run(const std::string& command)
    {
        const testing::command_result r = testing::run_command(command);
        BOOST_TEST_REQUIRE(r.exit_code == 0, command << "\n" << r.output);
    }

    std::string mlrun() const { return (prefix / "bin" / "mlrun").string(); }
    std::string plugin_dir(const char* example) const { return (root.path / example).string(); }
};

installed_sdk& sdk()
{
    static installed_sdk instance;
    return instance;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string experiment(const std::string& backend, const std::string& hidden_layer)
{
    return "backend: " + backend + "\n" +
           "data: {path: " + testing::source_dir() + "/data/mnist, train: {take: 1000}, test: {take: 500}, flatten: true}\n"
           "model:\n"
           "  - Dense: {units: 64, input_shape: [784]}\n" +
           hidden_layer +
           "  - Dense: {units: 10, activation: softmax}\n"
           "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
           "fit: {epochs: 3, verbose: 2}\n";
}

// The accuracy on the closing "Test (...)" line.
double test_accuracy(const std::string& output)
{
    const std::size_t line = output.rfind("Test (");
    const std::size_t at = output.find("accuracy: ", line);
    BOOST_TEST_REQUIRE(at != std::string::npos, output);
    return std::stod(output.substr(at + 10));
}

}  // namespace

BOOST_AUTO_TEST_CASE(installed_mlrun_finds_its_own_plugins)
{
    const testing::command_result r = testing::run_command("'" + sdk().mlrun() + "' plugins");
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, (sdk().prefix / "lib/mlrun/plugins/libmlrun_backend_reference.so").string()), r.output);
    BOOST_TEST(fs::exists(sdk().prefix / "lib/cmake/mlrun/mlrunConfig.cmake"));
    BOOST_TEST(fs::exists(sdk().prefix / "lib/pkgconfig/mlrun.pc"));
    BOOST_TEST(fs::exists(sdk().prefix / "include/mlrun/abi/mlrun_backend.h"));
}

// The installed hdf5 plugin first reads a file from elsewhere in its
// helper, installed in the prefix's libexec/mlrun and found there from the
// plugin's own place.
BOOST_AUTO_TEST_CASE(installed_hdf5_plugin_reads_a_foreign_file_in_its_installed_helper)
{
    BOOST_TEST(fs::exists(sdk().prefix / "libexec/mlrun/mlrun-hdf5-probe"));
    const plugin_registry registry({sdk().prefix / "lib/mlrun/plugins"});
    const format h5(registry.find(MLRUN_PLUGIN_FORMAT, "hdf5"));
    auto m = testing::model_of({keras::dense(3, "relu"), keras::dense(2)}, {4});
    testing::temp_directory dir;
    const std::string path = (dir.path / "model.h5").string();
    h5.save(path, capture_state(*m, nullptr));
    // Without mlrun's checksum block it reads as a Keras file from elsewhere.
    {
        std::FILE* f = std::fopen(path.c_str(), "r+b");
        BOOST_TEST_REQUIRE(f != nullptr);
        const std::string zeros(512, '\0');
        BOOST_TEST_REQUIRE(std::fwrite(zeros.data(), 1, zeros.size(), f) == zeros.size());
        std::fclose(f);
    }
    const testing::command_result verified = testing::run_command("'" + sdk().mlrun() + "' verify '" + path + "'");
    BOOST_TEST(verified.exit_code == 0, verified.output);
    BOOST_TEST(contains(verified.output, "libhdf5 read it in a separate process first"), verified.output);
    const testing::command_result crashed =
        testing::run_command("MLRUN_HDF5_PROBE_TEST_FAULT=segfault '" + sdk().mlrun() + "' verify '" + path + "'");
    BOOST_TEST(crashed.exit_code == 7, crashed.output);
    BOOST_TEST(contains(crashed.output, path + ": cannot open as hdf5: libhdf5 crashed (signal 11, Segmentation fault)"),
               crashed.output);
}

BOOST_AUTO_TEST_CASE(pkg_config_names_the_installed_prefix)
{
    const std::string pc_dir = (sdk().prefix / "lib" / "pkgconfig").string();
    const testing::command_result r =
        testing::run_command("PKG_CONFIG_PATH='" + pc_dir + "' pkg-config --variable=includedir mlrun");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.output);
    std::string reported = r.output.substr(0, r.output.find('\n'));
    BOOST_TEST(fs::equivalent(reported, sdk().prefix / "include"), reported << " is not " << (sdk().prefix / "include"));
}

// The gemm-only backend and the LeakyRectifier layer train together. 3 epochs
// on 1000 digits reach about 0.85; 0.75 is far above the 0.1 of a model
// that does not learn.
BOOST_AUTO_TEST_CASE(backend_and_layer_examples_train)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", experiment("blocked_gemm", "  - LeakyRectifier: {alpha: 0.1}\n"));
    const testing::command_result r = testing::run_command("'" + sdk().mlrun() + "' --plugin-dir '" +
                                                           sdk().plugin_dir("blocked_gemm") + "' --plugin-dir '" +
                                                           sdk().plugin_dir("leaky_relu") + "' '" + config + "'");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "leaky_rectifier (LeakyRectif"), r.output);  // the summary cuts the column at 29 characters, as Keras does
    BOOST_TEST(test_accuracy(r.output) > 0.75, r.output);

    const testing::command_result listing = testing::run_command(
        "'" + sdk().mlrun() + "' -v --plugin-dir '" + sdk().plugin_dir("blocked_gemm") + "' plugins");
    BOOST_TEST(contains(listing.output, "blocked_gemm"), listing.output);
    BOOST_TEST(contains(listing.output, "kernels: gemm\n"), listing.output);
}

// A user's format and layer through a whole run: checkpoints in the npz
// format (picked by the .npz suffix the plugin claims) open in numpy, and
// a model saved with the LeakyRectifier class loads again with the plugin and
// is refused, naming the class, without it.
BOOST_AUTO_TEST_CASE(a_run_checkpoints_with_the_npz_format_and_saves_the_layer_plugin_class)
{
    testing::temp_directory dir;
    const std::string config = dir.write(
        "exp.yaml", experiment("reference", "  - LeakyRectifier: {alpha: 0.1}\n") +
                        "checkpoint: {path: " + (dir.path / "run/weights.npz").string() + "}\n"
                        "save: {path: " + (dir.path / "model.yaml").string() + "}\n");
    const std::string plugins = " --plugin-dir '" + sdk().plugin_dir("npz_format") + "' --plugin-dir '" +
                                sdk().plugin_dir("leaky_relu") + "' ";
    const testing::command_result trained = testing::run_command("'" + sdk().mlrun() + "'" + plugins + "'" + config + "'");
    BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
    const std::string npz = (dir.path / "run/weights.npz").string();
    BOOST_TEST_REQUIRE(fs::exists(npz));

    const testing::command_result restored = testing::run_command(
        "'" + sdk().mlrun() + "'" + plugins + "evaluate --model '" + (dir.path / "model.yaml").string() + "'");
    BOOST_TEST(restored.exit_code == 0, restored.output);
    BOOST_TEST(test_accuracy(restored.output) == test_accuracy(trained.output), restored.output);

    const testing::command_result refused = testing::run_command(
        "'" + sdk().mlrun() + "' evaluate --model '" + (dir.path / "model.yaml").string() + "'");
    BOOST_TEST(refused.exit_code != 0, refused.output);
    BOOST_TEST(contains(refused.output, "unknown layer class 'LeakyRectifier'"), refused.output);
    BOOST_TEST(contains(refused.output, "needs that plugin"), refused.output);

    if (testing::run_command("/usr/bin/python3 -c 'import numpy'").exit_code != 0) return;
    const testing::command_result py = testing::run_command(
        "/usr/bin/python3 -c \"import numpy as np; z = np.load('" + npz +
        "'); print(z['dense/kernel'].shape, z['dense_1/kernel'].shape, int(z['optimizer/iterations']))\"");
    BOOST_TEST(py.exit_code == 0, py.output);
    BOOST_TEST(contains(py.output, "(784, 64) (64, 10) 96"), py.output);  // 3 epochs x 32 steps
}

// The example layer declares its Keras form: a model holding it saves as a
// Keras .h5 file (the layer under its Keras class, alpha in its config)
// and loads back predicting exactly what the model it was saved from does.
BOOST_AUTO_TEST_CASE(a_model_with_the_layer_plugin_saves_as_keras_h5_and_predicts_the_same)
{
    testing::temp_directory dir;
    const std::string yaml = (dir.path / "model.yaml").string();
    const std::string h5 = (dir.path / "model.h5").string();
    const std::string config = dir.write("exp.yaml", experiment("reference", "  - LeakyRectifier: {alpha: 0.1}\n"));
    const std::string mlrun = "'" + sdk().mlrun() + "' --plugin-dir '" + sdk().plugin_dir("leaky_relu") + "' ";
    const testing::command_result trained = testing::run_command(mlrun + "'" + config + "' fit.epochs=1 save.path='" + yaml + "'");
    BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
    const testing::command_result converted = testing::run_command(mlrun + "convert '" + yaml + "' '" + h5 + "'");
    BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);
    const testing::command_result inspected = testing::run_command(mlrun + "inspect '" + h5 + "'");
    BOOST_TEST(inspected.exit_code == 0, inspected.output);
    BOOST_TEST(contains(inspected.output, "LeakyRectifier"), inspected.output);

    std::string row;
    for (int i = 0; i < 784; ++i) row += (i == 0 ? "" : ",") + std::to_string((i * 37) % 11 - 5);  // negatives too
    const std::string x = dir.write("x.csv", row + "\n" + row + "\n");
    std::string predictions[2];
    const std::string models[2] = {yaml, h5};
    for (int i = 0; i < 2; ++i) {
        const std::string y = (dir.path / ("y" + std::to_string(i) + ".csv")).string();
        const testing::command_result r =
            testing::run_command(mlrun + "predict --model '" + models[i] + "' --input '" + x + "' --output '" + y + "'");
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.output);
        std::ifstream in(y);
        predictions[i].assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    BOOST_TEST(!predictions[0].empty());
    BOOST_TEST(predictions[0] == predictions[1]);  // the same weights through the same layers: the same bytes
    const testing::command_result evaluated = testing::run_command(mlrun + "evaluate --model '" + h5 + "'");
    BOOST_TEST(evaluated.exit_code == 0, evaluated.output);
    BOOST_TEST(test_accuracy(evaluated.output) == test_accuracy(trained.output), evaluated.output);
    // A run saves to .h5 directly, too.
    const testing::command_result direct = testing::run_command(mlrun + "'" + config + "' fit.epochs=1 save.path='" + h5 + "'");
    BOOST_TEST(direct.exit_code == 0, direct.output);
}

BOOST_AUTO_TEST_CASE(a_model_naming_a_missing_layer_plugin_is_a_clear_error)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", experiment("reference", "  - LeakyRectifier: {alpha: 0.1}\n"));
    const testing::command_result r = testing::run_command("'" + sdk().mlrun() + "' '" + config + "'");
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, "unknown layer class 'LeakyRectifier'"), r.output);
    BOOST_TEST(contains(r.output, "a class from a layer plugin needs that plugin in the plugin path"), r.output);
}

// Weights written by the npz example read back identically, and numpy
// (when present) opens them with the right shapes and values.
BOOST_AUTO_TEST_CASE(npz_example_round_trips_and_opens_in_numpy)
{
    const plugin_registry registry({sdk().plugin_dir("npz_format")});
    const format npz(registry.find(MLRUN_PLUGIN_FORMAT, "npz"));
    BOOST_TEST((npz.suffixes() == std::vector<std::string>{".npz"}));

    auto m = testing::model_of({keras::dense(3, "relu"), keras::dense(2)}, {4});
    const checkpoint saved = capture_state(*m, nullptr);
    testing::temp_directory dir;
    const std::string path = (dir.path / "weights.npz").string();
    npz.save(path, saved);
    const checkpoint loaded = npz.load(path);
    BOOST_TEST_REQUIRE(loaded.tensors.size() == saved.tensors.size());
    for (std::size_t i = 0; i < saved.tensors.size(); ++i) {
        const tensor& a = saved.tensors[i].second;
        const tensor& b = loaded.tensors[i].second;
        BOOST_TEST(loaded.tensors[i].first == saved.tensors[i].first);
        BOOST_TEST(b.dims() == a.dims());
        BOOST_TEST(std::memcmp(a.bytes(), b.bytes(), a.byte_size()) == 0);
    }
    BOOST_TEST(loaded.metadata.at(checkpoint_keys::model_config) == saved.metadata.at(checkpoint_keys::model_config));

    // Restoring into a fresh model of the same shape gives the same weights.
    auto fresh = testing::model_of({keras::dense(3, "relu"), keras::dense(2)}, {4}, 99);
    restore_state(*fresh, nullptr, loaded, false, path);
    BOOST_TEST(std::memcmp(fresh->parameters()[0]->value.bytes(), m->parameters()[0]->value.bytes(),
                           m->parameters()[0]->value.byte_size()) == 0);

    if (testing::run_command("/usr/bin/python3 -c 'import numpy'").exit_code != 0) {
        BOOST_TEST_MESSAGE("numpy is not installed: checked with mlrun's own reader only");
        return;
    }
    const float k0 = saved.tensors[0].second.f32()[0];
    const testing::command_result py = testing::run_command(
        "/usr/bin/python3 -c \"import numpy as np; z = np.load('" + path +
        "'); k = z['dense/kernel']; print(k.shape, z['dense_1/bias'].shape, repr(float(k[0, 0])))\"");
    BOOST_TEST_REQUIRE(py.exit_code == 0, py.output);
    BOOST_TEST(contains(py.output, "(4, 3) (2,)"), py.output);
    BOOST_TEST(std::stof(py.output.substr(py.output.rfind(' ') + 1)) == k0, py.output);
}
