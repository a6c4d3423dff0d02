// Keras 3 files mlrun writes (.weights.h5, .keras, and the legacy .h5 as
// Keras 3 writes it: the format option keras_version) have the groups,
// datasets, attributes and JSON keys of the keras3.8.0-iris-dropout
// fixture, and read back bit for bit, optimizer state included.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "h5_io.hpp"
#include "keras_files.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/error.hpp"

#include <zip.h>

#include <cstring>

using namespace mlrun;
using namespace mlrun::testing;
using keras_h5::json;

namespace {

// The fixture's model and state: Input(4) -> Dense(64, relu) ->
// Dropout(0.2) -> Dense(32, relu) -> Dense(3, softmax), Adam, 420 steps.
struct iris_dropout {
    std::unique_ptr<model> net = model_from(
        "[{name: dense_9, Dense: {units: 64, activation: relu, input_shape: [4]}},"
        " {name: dropout_3, Dropout: {rate: 0.2}},"
        " {name: dense_10, Dense: {units: 32, activation: relu}},"
        " {name: dense_11, Dense: {units: 3, activation: softmax}}]");
    std::unique_ptr<optimizer> opt = make_optimizer(YAML::Load("{adam: {learning_rate: 0.001}}"), "<test>");
    iris_dropout()
    {
        opt->attach(net->trainable_parameters());
        opt->set_iterations(420);
        rng gen(11);
        for (auto& slots : opt->slots()) {
            for (tensor& s : slots) {
                for (std::int64_t i = 0; i < s.size(); ++i) s.f32()[i] = gen.uniform();
            }
        }
    }
    void save(const std::string& path, const plugin_registry& plugins, const std::string& keras_version = "") const
    {
        save_request request;
        request.opt = opt.get();
        request.loss = "categorical_crossentropy";
        request.metrics = {"accuracy"};
        if (!keras_version.empty()) request.format_options = {{"keras_version", keras_version}};
        save_model(path, *net, request, plugins);
    }
};

std::vector<std::string> keys(const json& object)
{
    std::vector<std::string> result;
    for (auto it = object.begin(); it != object.end(); ++it) result.push_back(it.key());
    return result;
}

std::string attribute(const std::string& file, const std::string& object, const std::string& name)
{
    keras_h5::h5_quiet quiet;
    keras_h5::h5_id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    BOOST_REQUIRE_MESSAGE(f, "cannot open " + file);
    keras_h5::h5_id o(H5Oopen(f.get(), object.c_str(), H5P_DEFAULT));
    return keras_h5::read_string_attribute(o.get(), name, object);
}

// The members of a zip archive, in the archive's order, with their bytes.
std::vector<std::pair<std::string, std::string>> zip_members(const std::string& path)
{
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
    BOOST_REQUIRE_MESSAGE(archive != nullptr, "cannot open " + path + " as a zip archive");
    std::vector<std::pair<std::string, std::string>> members;
    for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
        zip_stat_t info;
        BOOST_REQUIRE(zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &info) == 0);
        BOOST_CHECK_MESSAGE(info.comp_method == ZIP_CM_STORE, std::string(info.name) + " is compressed; Keras stores");
        std::string bytes(static_cast<std::size_t>(info.size), '\0');
        zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
        BOOST_REQUIRE(file != nullptr);
        BOOST_REQUIRE_EQUAL(zip_fread(file, bytes.data(), bytes.size()), static_cast<zip_int64_t>(bytes.size()));
        zip_fclose(file);
        members.emplace_back(info.name, bytes);
    }
    zip_discard(archive);
    return members;
}

// Every tensor mlrun holds (weights, iteration count, slots) is in the
// checkpoint read back under its name, with the same shape and bytes.
void check_lossless(const checkpoint& written, const checkpoint& read)
{
    BOOST_CHECK_EQUAL(read.tensors.size(), written.tensors.size());
    for (const auto& [name, t] : written.tensors) {
        const auto found = std::find_if(read.tensors.begin(), read.tensors.end(),
                                        [&](const auto& entry) { return entry.first == name; });
        BOOST_REQUIRE_MESSAGE(found != read.tensors.end(), "read back without " + name);
        BOOST_CHECK_MESSAGE(found->second.type() == t.type() && found->second.dims() == t.dims() &&
                                std::memcmp(found->second.bytes(), t.bytes(), t.byte_size()) == 0,
                            name + " changed");
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras3_files)

BOOST_AUTO_TEST_CASE(weights_h5_files_have_the_keras_3_8_structure, *needs_interop_fixtures())
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_dropout m;
    m.save(dir.path("iris.weights.h5"), plugins);
    std::vector<std::string> expected = structure(fixture("keras3.8.0-iris-dropout/extracted_model.weights.h5"));
    // mlrun's own metadata, for resuming from such a checkpoint; Keras reads groups only.
    expected.push_back("/ @mlrun: string vlen utf8 nullterm scalar");
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(structure(dir.path("iris.weights.h5")) == expected, boost::test_tools::per_element());
    BOOST_CHECK_EQUAL(attribute(dir.path("iris.weights.h5"), "/layers/dense_1/vars", "name"), "dense_10");
    BOOST_CHECK_EQUAL(attribute(dir.path("iris.weights.h5"), "/optimizer/vars", "name"), "adam");
}

BOOST_AUTO_TEST_CASE(keras_archives_have_the_keras_3_8_members, *needs_interop_fixtures())
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_dropout m;
    m.save(dir.path("iris.keras"), plugins);
    const auto ours = zip_members(dir.path("iris.keras"));
    const auto theirs = zip_members(fixture("keras3.8.0-iris-dropout/iris_model.keras"));
    BOOST_REQUIRE_EQUAL(ours.size(), theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) BOOST_CHECK_EQUAL(ours[i].first, theirs[i].first);

    const json our_config = json::parse(ours[1].second);
    const json their_config = json::parse(theirs[1].second);
    BOOST_TEST(keys(our_config) == keys(their_config), boost::test_tools::per_element());
    BOOST_TEST(keys(our_config["config"]) == keys(their_config["config"]), boost::test_tools::per_element());
    const json& our_layers = our_config["config"]["layers"];
    const json& their_layers = their_config["config"]["layers"];
    BOOST_REQUIRE_EQUAL(our_layers.size(), their_layers.size());
    for (std::size_t i = 0; i < our_layers.size(); ++i) {
        BOOST_CHECK_EQUAL(our_layers[i]["class_name"], their_layers[i]["class_name"]);
        BOOST_TEST(keys(our_layers[i]) == keys(their_layers[i]), boost::test_tools::per_element());
        BOOST_TEST(keys(our_layers[i]["config"]) == keys(their_layers[i]["config"]), boost::test_tools::per_element());
    }
    BOOST_CHECK_EQUAL(our_layers[3].at("build_config").dump(), their_layers[3].at("build_config").dump());  // dense_10: [null, 64]
    std::vector<std::string> compile_keys = keys(their_config["compile_config"]);
    compile_keys.push_back("mlrun");  // mlrun's own state; Keras's compile_from_config reads the keys it knows
    BOOST_TEST(keys(our_config["compile_config"]) == compile_keys, boost::test_tools::per_element());
    BOOST_TEST(keys(our_config["compile_config"]["optimizer"]["config"]) ==
                   keys(their_config["compile_config"]["optimizer"]["config"]),
               boost::test_tools::per_element());
    BOOST_CHECK_EQUAL(our_config["compile_config"]["metrics"].dump(), their_config["compile_config"]["metrics"].dump());
    BOOST_CHECK_EQUAL(json::parse(ours[0].second)["keras_version"], "3.8.0");

    // The weights member is the fixture's weights file, group for group.
    write_file(dir.path("member.weights.h5"), ours[2].second);
    BOOST_TEST(structure(dir.path("member.weights.h5")) ==
                   structure(fixture("keras3.8.0-iris-dropout/extracted_model.weights.h5")),
               boost::test_tools::per_element());
}

// mlrun rebuilds each keras3.11.2 convnet from its archive and writes it
// again: layer for layer, the classes, the keys of each entry and of its
// config, in Keras's order, and the build_config shapes are the fixture's.
// (The InputLayer is left out: Keras 3.11 adds "ragged" to it, and mlrun
// writes Keras 3.8's, checked above.)
BOOST_AUTO_TEST_CASE(convnet_archives_have_the_keras_3_11_layer_configs, *needs_interop_fixtures())
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    for (const std::string name : {"keras3.11.2-mnist-cnn-h5-and-keras/mnist_cnn.keras",
                                   "keras3.11.2-mnist-cnn-padding-same/mnist_cnn.keras"}) {
        BOOST_TEST_CONTEXT(name)
        {
            backend be;
            std::unique_ptr<loaded_model> loaded = load_model(fixture(name), plugins, be);
            save_model(dir.path("cnn.keras"), loaded->net(), save_request{}, plugins);
            const json ours = json::parse(zip_members(dir.path("cnn.keras"))[1].second);
            const json theirs = json::parse(zip_members(fixture(name))[1].second);
            const json& our_layers = ours["config"]["layers"];
            const json& their_layers = theirs["config"]["layers"];
            BOOST_REQUIRE_EQUAL(our_layers.size(), their_layers.size());
            for (std::size_t i = 1; i < our_layers.size(); ++i) {
                BOOST_TEST_CONTEXT(their_layers[i]["config"]["name"])
                {
                    BOOST_CHECK_EQUAL(our_layers[i]["class_name"], their_layers[i]["class_name"]);
                    BOOST_TEST(keys(our_layers[i]) == keys(their_layers[i]), boost::test_tools::per_element());
                    BOOST_TEST(keys(our_layers[i]["config"]) == keys(their_layers[i]["config"]),
                               boost::test_tools::per_element());
                    if (their_layers[i].contains("build_config")) {
                        BOOST_CHECK_EQUAL(our_layers[i].value("build_config", json()).dump(),
                                          their_layers[i]["build_config"].dump());
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(legacy_h5_files_for_keras_3_have_the_keras_3_8_structure, *needs_interop_fixtures())
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_dropout m;
    m.save(dir.path("iris3.h5"), plugins, "3");
    const std::string reference = fixture("keras3.8.0-iris-dropout/iris_model.h5");
    // Keras 3 puts the model's name in every variable path: the fixture's
    // model is "sequential_3", ours Keras's default "sequential".
    std::vector<std::string> expected = structure(reference);
    for (std::string& line : expected) {
        for (std::size_t at = line.find("sequential_3"); at != std::string::npos; at = line.find("sequential_3", at)) {
            line.replace(at, std::strlen("sequential_3"), "sequential");
        }
    }
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(structure(dir.path("iris3.h5")) == expected, boost::test_tools::per_element());
    BOOST_CHECK_EQUAL(attribute(dir.path("iris3.h5"), "/", "keras_version"), "3.8.0");
    const json ours = json::parse(attribute(dir.path("iris3.h5"), "/", "model_config"));
    const json theirs = json::parse(attribute(reference, "/", "model_config"));
    const json& our_layers = ours["config"]["layers"];
    const json& their_layers = theirs["config"]["layers"];
    BOOST_REQUIRE_EQUAL(our_layers.size(), their_layers.size());
    for (std::size_t i = 0; i < our_layers.size(); ++i) {
        BOOST_TEST(keys(our_layers[i]) == keys(their_layers[i]), boost::test_tools::per_element());
        BOOST_TEST(keys(our_layers[i]["config"]) == keys(their_layers[i]["config"]), boost::test_tools::per_element());
    }
    const json our_training = json::parse(attribute(dir.path("iris3.h5"), "/", "training_config"));
    const json their_training = json::parse(attribute(reference, "/", "training_config"));
    std::vector<std::string> training_keys = keys(their_training);
    training_keys.push_back("mlrun");
    BOOST_TEST(keys(our_training) == training_keys, boost::test_tools::per_element());
    // Keras 3 keeps the metric names as compiled; tf.keras 2.10 wrote MeanMetricWrapper objects.
    BOOST_CHECK_EQUAL(our_training["metrics"].dump(), their_training["metrics"].dump());
    BOOST_TEST(keys(our_training["optimizer_config"]["config"]) == keys(their_training["optimizer_config"]["config"]),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_keras_3_file_reads_back_bit_for_bit)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_dropout m;
    const checkpoint written = capture_state(*m.net, m.opt.get());
    for (const std::string name : {"iris.keras", "iris.weights.h5", "iris3.h5"}) {
        BOOST_TEST_CONTEXT(name)
        {
            m.save(dir.path(name), plugins, name == "iris3.h5" ? "3" : "");
            const checkpoint read = format_for_path(plugins, name).load(dir.path(name));
            check_lossless(written, read);
            BOOST_CHECK_EQUAL(read.metadata.at("loss"), "categorical_crossentropy");
            BOOST_CHECK(read.metadata.count("optimizer_config") == 1);
            // The architecture read back builds the same layers.
            auto rebuilt = build_model(YAML::Load(read.metadata.at("model_config")), "<read>", std::nullopt);
            BOOST_REQUIRE_EQUAL(rebuilt->nodes().size(), m.net->nodes().size());
            for (std::size_t i = 1; i < rebuilt->nodes().size(); ++i) {
                BOOST_CHECK_EQUAL(YAML::Dump(encode_layer_spec(rebuilt->nodes()[i].op->config())),
                                  YAML::Dump(encode_layer_spec(m.net->nodes()[i].op->config())));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(keras_version_is_checked_against_the_path)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_dropout m;
    BOOST_CHECK_EXCEPTION(m.save(dir.path("a.keras"), plugins, "2"), io_error, [](const io_error& e) {
        return std::string(e.what()).find("keras_version 2: tf.keras 2.x has no .keras layout") != std::string::npos;
    });
    BOOST_CHECK_EXCEPTION(m.save(dir.path("a.h5"), plugins, "4"), io_error, [](const io_error& e) {
        return std::string(e.what()).find("option keras_version: expected 2") != std::string::npos;
    });
    BOOST_CHECK(!fs::exists(dir.path("a.keras")));
    BOOST_CHECK(!fs::exists(dir.path("a.h5")));
}

BOOST_AUTO_TEST_CASE(a_model_without_a_keras_3_form_is_refused_and_the_earlier_file_kept)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_dropout m;
    m.save(dir.path("m.keras"), plugins);
    const std::string before = bytes_of(dir.path("m.keras"));
    auto graph = model_from("[{Input: {shape: [4]}}, {name: a, Dense: {units: 3}, inputs: [input_1]},"
                            " {name: b, Dense: {units: 3}, inputs: [input_1]}, {name: sum, Add: {}, inputs: [a, b]}]");
    save_request request;
    BOOST_CHECK_EXCEPTION(save_model(dir.path("m.keras"), *graph, request, plugins), io_error, [](const io_error& e) {
        return std::string(e.what()).find("layer 'sum' ends a graph model") != std::string::npos;
    });
    BOOST_CHECK(bytes_of(dir.path("m.keras")) == before);
}

BOOST_AUTO_TEST_SUITE_END()
