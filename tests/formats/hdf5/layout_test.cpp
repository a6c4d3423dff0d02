// Files the plugin writes have the groups, attributes and HDF5 types of
// the tf.keras 2.x fixtures, read back exactly, never damage an earlier
// file when a save fails, and split long name lists as Keras does.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "h5_io.hpp"
#include "keras_files.hpp"
#include "interop/keras/json.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/error.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/optim/optimizer.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

std::string string_attribute(const std::string& file, const std::string& object, const std::string& name)
{
    keras_h5::h5_quiet quiet;
    keras_h5::h5_id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    keras_h5::h5_id o(H5Oopen(f.get(), object.c_str(), H5P_DEFAULT));
    return keras_h5::read_string_attribute(o.get(), name, object);
}

std::vector<std::string> keys(const keras_h5::json& object)
{
    std::vector<std::string> result;
    for (auto it = object.begin(); it != object.end(); ++it) result.push_back(it.key());
    return result;
}

// `h5dump -A` without the attribute values and the file name line.
std::string h5dump_structure(const std::string& file)
{
    const std::string command = "h5dump -A '" + file + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    BOOST_REQUIRE(pipe != nullptr);
    std::string text, line;
    std::array<char, 4096> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) text += buffer.data();
    BOOST_REQUIRE_EQUAL(pclose(pipe), 0);
    std::istringstream in(text);
    std::string out;
    std::size_t skip_until_indent = std::string::npos;
    bool first = true;
    while (std::getline(in, line)) {
        const std::size_t indent = line.find_first_not_of(' ');
        const std::string trimmed = indent == std::string::npos ? "" : line.substr(indent);
        if (first) {
            first = false;  // HDF5 "<file name>" {
            continue;
        }
        if (skip_until_indent != std::string::npos) {
            if (indent == skip_until_indent && trimmed == "}") skip_until_indent = std::string::npos;
            continue;
        }
        if (trimmed == "DATA {") {
            skip_until_indent = indent;
            continue;
        }
        out += line + "\n";
    }
    return out;
}

std::string file_bytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras_layout)

BOOST_AUTO_TEST_CASE(whole_model_files_have_the_tf_keras_2_10_structure, *needs_interop_fixtures())
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_like m;
    m.save(dir.path("iris.h5"), plugins);
    const std::string reference = fixture("tf.keras2.10.0-iris/iris_model.h5");
    BOOST_TEST(structure(dir.path("iris.h5")) == structure(reference), boost::test_tools::per_element());
    // The same, as h5dump shows it side by side.
    BOOST_CHECK_EQUAL(h5dump_structure(dir.path("iris.h5")), h5dump_structure(reference));
}

BOOST_AUTO_TEST_CASE(weights_only_files_have_the_tf_keras_2_11_structure, *needs_interop_fixtures())
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    // tf.keras2.11.0-weights-only: Dense(9, relu, input 9) -> Dense(9, softmax)
    auto net = model_from("[{Dense: {units: 9, activation: relu, input_shape: [9]}}, {Dense: {units: 9, activation: softmax}}]");
    save_request request;
    request.weights_only = true;
    save_model(dir.path("w.h5"), *net, request, plugins);
    const std::string reference = fixture("tf.keras2.11.0-weights-only/weights_iteration.h5");
    BOOST_TEST(structure(dir.path("w.h5")) == structure(reference), boost::test_tools::per_element());
    BOOST_CHECK_EQUAL(h5dump_structure(dir.path("w.h5")), h5dump_structure(reference));
}

BOOST_AUTO_TEST_CASE(json_attributes_have_the_keys_tf_keras_writes, *needs_interop_fixtures())
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_like m;
    m.save(dir.path("iris.h5"), plugins);
    const std::string reference = fixture("tf.keras2.10.0-iris/iris_model.h5");
    using keras_h5::json;
    const json ours = json::parse(string_attribute(dir.path("iris.h5"), "/", "model_config"));
    const json theirs = json::parse(string_attribute(reference, "/", "model_config"));
    BOOST_CHECK_EQUAL(ours["class_name"], "Sequential");
    const json& our_layers = ours["config"]["layers"];
    const json& their_layers = theirs["config"]["layers"];
    BOOST_REQUIRE_EQUAL(our_layers.size(), their_layers.size());
    for (std::size_t i = 0; i < our_layers.size(); ++i) {
        BOOST_CHECK_EQUAL(our_layers[i]["class_name"], their_layers[i]["class_name"]);
        BOOST_TEST(keys(our_layers[i]["config"]) == keys(their_layers[i]["config"]), boost::test_tools::per_element());
    }
    // The same layer names, activations, initialisers and shapes as the tf.keras file.
    for (std::size_t i = 0; i < our_layers.size(); ++i) BOOST_CHECK_EQUAL(our_layers[i].dump(), their_layers[i].dump());

    const json our_training = json::parse(string_attribute(dir.path("iris.h5"), "/", "training_config"));
    const json their_training = json::parse(string_attribute(reference, "/", "training_config"));
    std::vector<std::string> expected = keys(their_training);
    expected.push_back("mlrun");  // mlrun's own state rides along; Keras's loaders ignore unknown keys
    BOOST_TEST(keys(our_training) == expected, boost::test_tools::per_element());
    BOOST_TEST(keys(our_training["optimizer_config"]["config"]) == keys(their_training["optimizer_config"]["config"]),
               boost::test_tools::per_element());
    BOOST_CHECK_EQUAL(our_training["optimizer_config"]["config"]["learning_rate"].get<double>(), 0.01);
    // Written as Python's json.dumps spaces it.
    BOOST_CHECK_EQUAL(string_attribute(dir.path("iris.h5"), "/", "model_config").rfind("{\"class_name\": \"Sequential\", ", 0), 0u);
}

BOOST_AUTO_TEST_CASE(saved_models_read_back_exactly)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_like m;
    m.save(dir.path("iris.h5"), plugins);
    const checkpoint written = capture_state(*m.net, m.opt.get());
    const checkpoint read = format_for_path(plugins, "x.h5").load(dir.path("iris.h5"));
    BOOST_REQUIRE_EQUAL(read.tensors.size(), written.tensors.size());
    for (std::size_t i = 0; i < written.tensors.size(); ++i) {
        const auto& [name, t] = written.tensors[i];
        BOOST_CHECK_EQUAL(read.tensors[i].first, name);
        BOOST_REQUIRE(read.tensors[i].second.dims() == t.dims());
        BOOST_CHECK_MESSAGE(std::memcmp(read.tensors[i].second.bytes(), t.bytes(), t.byte_size()) == 0, name);
    }
    // The architecture read back builds the same layers.
    auto rebuilt = build_model(YAML::Load(read.metadata.at("model_config")), "<read>", std::nullopt);
    BOOST_CHECK(rebuilt->is_sequential());
    BOOST_REQUIRE_EQUAL(rebuilt->nodes().size(), m.net->nodes().size());
    for (std::size_t i = 1; i < rebuilt->nodes().size(); ++i) {
        BOOST_CHECK_EQUAL(YAML::Dump(encode_layer_spec(rebuilt->nodes()[i].op->config())),
                          YAML::Dump(encode_layer_spec(m.net->nodes()[i].op->config())));
    }
    BOOST_CHECK_EQUAL(YAML::Load(read.metadata.at("optimizer_config"))["config"]["learning_rate"].as<float>(), 0.01f);
}

BOOST_AUTO_TEST_CASE(graph_models_are_written_as_functional_models)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    auto net = model_from("[{Input: {shape: [6]}}, {name: a, Dense: {units: 4, activation: relu}, inputs: [input_1]},"
                          " {name: b, Dense: {units: 4, activation: tanh}, inputs: [input_1]},"
                          " {name: sum, Add: {}, inputs: [a, b]}, {name: both, Concatenate: {}, inputs: [sum, a]},"
                          " {name: out, Dense: {units: 2, activation: sigmoid}}]");
    save_request request;
    save_model(dir.path("graph.h5"), *net, request, plugins);
    using keras_h5::json;
    const json config = json::parse(string_attribute(dir.path("graph.h5"), "/", "model_config"));
    BOOST_CHECK_EQUAL(config["class_name"], "Functional");
    BOOST_CHECK_EQUAL(config["config"]["layers"][3]["inbound_nodes"].dump(),
                      R"([[["a",0,0,{}],["b",0,0,{}]]])");
    BOOST_CHECK_EQUAL(config["config"]["output_layers"].dump(), R"([["out",0,0]])");
    // No optimizer: no training_config, as Keras with include_optimizer=False.
    BOOST_CHECK_THROW(string_attribute(dir.path("graph.h5"), "/", "training_config"), keras_h5::format_error);
    backend be(plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    std::unique_ptr<loaded_model> lm = load_model(dir.path("graph.h5"), plugins, be);
    BOOST_CHECK(!lm->net().is_sequential());
    tensor x({3, 6});
    rng gen(2);
    for (std::int64_t i = 0; i < x.size(); ++i) x.f32()[i] = gen.uniform(-1.0f, 1.0f);
    const tensor ours = lm->predict(x, 3);
    const tensor theirs = tensor(net->forward(be, x, false, 0));
    BOOST_CHECK(std::memcmp(ours.bytes(), theirs.bytes(), ours.byte_size()) == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_save_leaves_the_earlier_file_untouched)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    iris_like m;
    const std::string path = dir.path("model.h5");
    m.save(path, plugins);
    const std::string before = file_bytes(path);
    // A checkpoint the format refuses (a string tensor), after good tensors were staged.
    checkpoint bad = capture_state(*m.net, m.opt.get());
    tensor text(dtype::string, {1});
    text.strings()[0] = "not a number";
    bad.tensors.emplace_back("extra/text", text);
    BOOST_CHECK_THROW(format_for_path(plugins, path).save(path, bad), io_error);
    // A model Keras cannot describe fails at commit, after everything was staged.
    checkpoint unknown = capture_state(*m.net, m.opt.get());
    unknown.metadata["model_config"] = "- Input: {name: in, shape: [4]}\n- Mystery: {name: m}\n";
    BOOST_CHECK_EXCEPTION(format_for_path(plugins, path).save(path, unknown), io_error, [](const io_error& e) {
        return std::string(e.what()).find("Mystery") != std::string::npos;
    });
    BOOST_CHECK(file_bytes(path) == before);
    std::size_t entries = 0;
    for (const auto& e : fs::directory_iterator(dir.dir)) entries += e.path().filename() == "model.h5" ? 0 : 1;
    BOOST_CHECK_EQUAL(entries, 0u);  // no temporary file left behind
    // A directory that does not exist: an error naming the file, nothing created.
    BOOST_CHECK_EXCEPTION(m.save(dir.path("missing/dir/model.h5"), plugins), io_error, [](const io_error& e) {
        return std::string(e.what()).find("missing/dir/model.h5") != std::string::npos;
    });
    // A .keras archive holds the whole model, never weights only (keras3_files_test.cpp writes them).
    BOOST_CHECK_EXCEPTION(m.save(dir.path("model.keras"), plugins, true), io_error, [](const io_error& e) {
        return std::string(e.what()).find("a .keras archive holds the whole model") != std::string::npos;
    });
    BOOST_CHECK(!fs::exists(dir.path("model.keras")));
}

BOOST_AUTO_TEST_CASE(long_name_lists_are_split_as_keras_splits_them)
{
    temp_dir dir;
    keras_h5::staged_checkpoint ckpt;
    // 3000 layers with 28-character names: 84000 bytes as Keras measures the list.
    for (int i = 0; i < 3000; ++i) {
        char name[40];
        std::snprintf(name, sizeof name, "a_rather_long_layer_nam_%04d", i);
        keras_h5::staged_tensor t;
        t.name = std::string(name) + "/bias";
        t.dims = {1};
        t.bytes.assign(4, 0);
        ckpt.tensors.push_back(t);
    }
    {
        keras_h5::h5_quiet quiet;
        keras_h5::write_keras_file(dir.path("many.h5"), ckpt, true);
    }
    std::vector<std::string> lines = structure(dir.path("many.h5"));
    BOOST_CHECK(std::find(lines.begin(), lines.end(), "/ @layer_names0: string vlen ascii nullterm (1500)") != lines.end());
    BOOST_CHECK(std::find(lines.begin(), lines.end(), "/ @layer_names1: string vlen ascii nullterm (1500)") != lines.end());
    keras_h5::staged_checkpoint read;
    {
        keras_h5::h5_quiet quiet;
        read = keras_h5::read_keras_file(dir.path("many.h5"));
    }
    BOOST_REQUIRE_EQUAL(read.tensors.size(), 3000u);
    for (std::size_t i = 0; i < 3000; ++i) BOOST_CHECK_EQUAL(read.tensors[i].name, ckpt.tensors[i].name);
}

BOOST_AUTO_TEST_SUITE_END()
