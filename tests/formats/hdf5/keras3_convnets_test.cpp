// Convolutional networks in Keras 3 files: configs/mnist_cnn.yaml's model
// and a model of every convolution, pooling and normalization class save
// as .keras archives and as Keras 3's legacy .h5 and load back, through save_model and load_model, with the same layers, weights,
// optimizer state and predictions, bit for bit; each layer's build_config
// is the input shape mlrun's own model gives it; and the weights sit in
// model.weights.h5 under Keras 3's keys in Keras 3's order (read with h5py).
#include "formats/hdf5/hdf5_test_support.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "support/run_command.hpp"
#include "support/test_models.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <nlohmann/json.hpp>
#include <zip.h>

#include <cstring>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

// Weights in [-1, 1), so no layer passes by being the identity.
void randomize(model& m, std::uint64_t seed)
{
    rng gen(seed);
    for (const model::node& n : m.nodes()) {
        for (parameter& p : n.op->parameters()) p.value = random_tensor(p.value.dims(), gen);
    }
}

// A model with Adam state: slots drawn at random, 37 steps taken.
struct trained {
    std::unique_ptr<model> net;
    std::unique_ptr<optimizer> opt = make_optimizer(YAML::Load("{adam: {learning_rate: 0.002}}"), "<test>");

    explicit trained(const YAML::Node& layers)
    {
        net = build_model(layers, "<test>", std::nullopt);
        rng init(5);
        net->build(init);
        randomize(*net, 9);
        opt->attach(net->trainable_parameters());
        opt->set_iterations(37);
        rng gen(13);
        for (auto& slots : opt->slots()) {
            for (tensor& s : slots) s = random_tensor(s.dims(), gen, 0.0f, 1.0f);
        }
    }
    void save(const std::string& path, const plugin_registry& plugins, const std::string& keras_version = "") const
    {
        save_request request;
        request.opt = opt.get();
        request.loss = "sparse_categorical_crossentropy";
        request.metrics = {"accuracy"};
        if (!keras_version.empty()) request.format_options = {{"keras_version", keras_version}};
        save_model(path, *net, request, plugins);
    }
};

std::string mnist_cnn_config() { return environment("MLRUN_SOURCE_DIR") + "/configs/mnist_cnn.yaml"; }

// The run without ../shared points MLRUN_SOURCE_DIR at an empty directory.
boost::test_tools::assertion_result mnist_cnn_config_present(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result present(fs::exists(mnist_cnn_config()));
    present.message() << mnist_cnn_config() << " not found";
    return present;
}

// Every tensor of `written` (weights, iteration count, slots) is in `read`
// under its name, with the same type, shape and bytes, and nothing more.
void check_lossless(const checkpoint& written, const checkpoint& read)
{
    BOOST_CHECK_EQUAL(read.tensors.size(), written.tensors.size());
    for (const auto& [name, t] : written.tensors) {
        const tensor* found = read.find(name);
        BOOST_REQUIRE_MESSAGE(found != nullptr, "read back without " + name);
        BOOST_CHECK_MESSAGE(found->type() == t.type() && found->dims() == t.dims() &&
                                std::memcmp(found->bytes(), t.bytes(), t.byte_size()) == 0,
                            name + " changed");
    }
}

// A layer's settings as Keras records them: a pooling layer's strides
// even where they default to its pool_size.
std::string as_keras_records(const layer& l)
{
    YAML::Node settings = encode_layer_spec(l.config());
    if (settings["pool_size"] && settings["strides"] && settings["strides"].IsNull()) {
        settings["strides"] = YAML::Clone(settings["pool_size"]);
    }
    return YAML::Dump(settings);
}

// The loaded model has the original's layers (names and settings), and
// predicts exactly what the original predicts.
void check_same_model(model& original, loaded_model& loaded, const std::string& name)
{
    const auto& ours = original.nodes();
    const auto& theirs = loaded.net().nodes();
    BOOST_REQUIRE_EQUAL(theirs.size(), ours.size());
    for (std::size_t i = 1; i < ours.size(); ++i) {
        BOOST_CHECK_EQUAL(theirs[i].op->name(), ours[i].op->name());
        BOOST_CHECK_EQUAL(YAML::Dump(encode_layer_spec(theirs[i].op->config())), as_keras_records(*ours[i].op));
    }
    rng gen(3);
    const tensor x = random_tensor(original.input_shape().with_batch(4), gen, 0.0f, 1.0f);
    backend be;
    const tensor expected = original.forward(be, x, false, 0);
    const tensor got = loaded.predict(x, 4);
    BOOST_REQUIRE(got.dims() == expected.dims());
    // The same operations on the same weights: no tolerance.
    BOOST_CHECK_MESSAGE(std::memcmp(got.bytes(), expected.bytes(), got.byte_size()) == 0, name + ": predictions differ");
}

// One member of a zip archive.
std::string zip_member(const std::string& path, const char* member)
{
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
    BOOST_REQUIRE_MESSAGE(archive != nullptr, "cannot open " + path + " as a zip archive");
    zip_stat_t info;
    BOOST_REQUIRE(zip_stat(archive, member, 0, &info) == 0);
    std::string bytes(static_cast<std::size_t>(info.size), '\0');
    zip_file_t* file = zip_fopen(archive, member, 0);
    BOOST_REQUIRE(file != nullptr);
    BOOST_REQUIRE_EQUAL(zip_fread(file, bytes.data(), bytes.size()), static_cast<zip_int64_t>(bytes.size()));
    zip_fclose(file);
    zip_discard(archive);
    return bytes;
}

// Each layer's build_config in config.json is [null] + the input shape
// mlrun's model gives that layer; the classes Keras 3 builds at creation
// (pooling, Dropout, Activation: keras3.11.2-mnist-cnn-padding-same) have none.
void check_build_configs(const model& m, const std::string& archive)
{
    const nlohmann::json config = nlohmann::json::parse(zip_member(archive, "config.json"));
    const nlohmann::json& layers = config["config"]["layers"];
    BOOST_REQUIRE_EQUAL(layers.size(), m.nodes().size());
    for (std::size_t i = 1; i < layers.size(); ++i) {
        const std::string& class_name = layers[i]["class_name"].get_ref<const std::string&>();
        BOOST_TEST_CONTEXT(class_name)
        {
            const bool built_at_creation = class_name.find("Pooling") != std::string::npos ||
                                           class_name == "Dropout" || class_name == "Activation";
            BOOST_CHECK_EQUAL(layers[i].contains("build_config"), !built_at_creation);
            if (built_at_creation) continue;
            nlohmann::json expected = nlohmann::json::array({nullptr});
            for (std::int64_t d : m.nodes()[i - 1].output_shape.dims()) expected.push_back(d);
            BOOST_CHECK_EQUAL(layers[i]["build_config"]["input_shape"].dump(), expected.dump());
        }
    }
}

const std::string python = "/usr/bin/python3";

bool have_h5py() { return run_command(python + " -c 'import h5py'").exit_code == 0; }

// "key/i shape" for every variable under /layers of the archive's
// model.weights.h5, in file order, as h5py lists them.
std::string weight_listing(const std::string& archive)
{
    const std::string script =
        "import io, sys, zipfile, h5py\n"
        "f = h5py.File(io.BytesIO(zipfile.ZipFile(sys.argv[1]).read('model.weights.h5')), 'r')\n"
        "for key in f['layers']:\n"
        "    v = f['layers'][key]['vars']\n"
        "    for i in sorted(v, key=int):\n"
        "        print(key + '/' + i, list(v[i].shape))\n";
    const auto r = run_command(python + " -c \"" + script + "\" '" + archive + "'");
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return r.output;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras3_convnets)

BOOST_AUTO_TEST_CASE(the_mnist_convnet_reads_back_bit_for_bit_from_keras_3_files,
                     *boost::unit_test::precondition(mnist_cnn_config_present))
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    const trained m(YAML::LoadFile(mnist_cnn_config())["model"]);
    const checkpoint written = capture_state(*m.net, m.opt.get());
    for (const std::string name : {"mnist_cnn.keras", "mnist_cnn3.h5"}) {
        BOOST_TEST_CONTEXT(name)
        {
            const std::string path = dir.path(name);
            m.save(path, plugins, name == "mnist_cnn3.h5" ? "3" : "");
            const checkpoint read = format_for_path(plugins, path).load(path);
            BOOST_CHECK_EQUAL(read.metadata.at("keras_version"), "3.8.0");
            check_lossless(written, read);
            BOOST_CHECK_EQUAL(read.metadata.at("loss"), "sparse_categorical_crossentropy");
            backend be;
            std::unique_ptr<loaded_model> loaded = load_model(path, plugins, be);
            BOOST_CHECK(loaded->compiled());
            check_same_model(*m.net, *loaded, name);
        }
    }
    check_build_configs(*m.net, dir.path("mnist_cnn.keras"));
}

namespace {

struct convnet_case {
    std::string label;
    std::string layers;    // YAML layer list
    std::string weights;   // weight_listing of its archive
};

std::ostream& operator<<(std::ostream& out, const convnet_case& c) { return out << c.label; }

const std::vector<convnet_case> convnet_cases = {
    {"sequences",
     "[{Conv1D: {filters: 4, kernel_size: 3, strides: 2, padding: same, activation: relu, input_shape: [12, 3]}},"
     " {MaxPooling1D: {pool_size: 2}}, {AveragePooling1D: {pool_size: 2, strides: 1}},"
     " {Conv1D: {filters: 5, kernel_size: 2, padding: same}}, {GlobalMaxPooling1D: {keepdims: true}},"
     " {GlobalAveragePooling1D: {}}, {Dense: {units: 2, activation: softmax}}]",
     "conv1d/0 [3, 3, 4]\nconv1d/1 [4]\nconv1d_1/0 [2, 4, 5]\nconv1d_1/1 [5]\ndense/0 [5, 2]\ndense/1 [2]\n"},
    {"depthwise, separable and transposed",
     "[{DepthwiseConv2D: {kernel_size: 3, strides: 2, padding: same, depth_multiplier: 2, input_shape: [9, 9, 3]}},"
     " {SeparableConv2D: {filters: 4, kernel_size: 3, strides: 2, padding: same, activation: relu}},"
     " {Conv2DTranspose: {filters: 3, kernel_size: 3, strides: 2, padding: same}},"
     " {LayerNormalization: {}}, {AveragePooling2D: {pool_size: 2}}, {GlobalMaxPooling2D: {}},"
     " {Dense: {units: 2, activation: softmax}}]",
     "conv2d_transpose/0 [3, 3, 3, 4]\nconv2d_transpose/1 [3]\ndense/0 [3, 2]\ndense/1 [2]\n"
     "depthwise_conv2d/0 [3, 3, 3, 2]\ndepthwise_conv2d/1 [6]\nlayer_normalization/0 [3]\nlayer_normalization/1 [3]\n"
     "separable_conv2d/0 [3, 3, 6, 1]\nseparable_conv2d/1 [1, 1, 6, 4]\nseparable_conv2d/2 [4]\n"},
    {"dilated, strided and valid",
     "[{Conv2D: {filters: 3, kernel_size: 3, dilation_rate: 2, input_shape: [9, 8, 2]}},"
     " {MaxPooling2D: {pool_size: 2, strides: 3, padding: same}}, {Conv2DTranspose: {filters: 2, kernel_size: 3, strides: 2}},"
     " {GlobalAveragePooling2D: {keepdims: true}}, {Flatten: {}}, {Dense: {units: 2}}]",
     "conv2d/0 [3, 3, 2, 3]\nconv2d/1 [3]\nconv2d_transpose/0 [3, 3, 2, 3]\nconv2d_transpose/1 [2]\ndense/0 [2, 2]\n"
     "dense/1 [2]\n"},
};

}  // namespace

BOOST_DATA_TEST_CASE(a_model_of_every_window_class_round_trips_through_keras_3_files,
                     boost::unit_test::data::make(convnet_cases), c)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    const trained m(YAML::Load(c.layers));
    for (const std::string name : {"model.keras", "model3.h5"}) {
        BOOST_TEST_CONTEXT(name)
        {
            const std::string path = dir.path(name);
            m.save(path, plugins, name == "model3.h5" ? "3" : "");
            check_lossless(capture_state(*m.net, m.opt.get()), format_for_path(plugins, path).load(path));
            backend be;
            std::unique_ptr<loaded_model> loaded = load_model(path, plugins, be);
            check_same_model(*m.net, *loaded, c.label);
        }
    }
    const std::string path = dir.path("model.keras");
    check_build_configs(*m.net, path);
    if (!have_h5py()) {
        BOOST_TEST_MESSAGE("skipped the weights' listing: " << python << " lacks h5py (python3-h5py)");
        return;
    }
    // h5py lists groups by name; the variables' shapes show their order.
    BOOST_TEST(weight_listing(path) == c.weights);
}

BOOST_AUTO_TEST_SUITE_END()
