// Keras pairs the layers of an HDF5 file with its model by position in
// model.layers, which orders a functional graph by depth (farthest from
// the output first), then by a depth-first walk from the output; the
// optimizer's slots follow the trainable weights in that order. Files
// mlrun writes list layers and slots in that order, whatever order the
// experiment declares them in.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "h5_io.hpp"
#include "keras_files.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/model_state.hpp"

using namespace mlrun;
using namespace mlrun::testing;

namespace {

std::vector<std::string> name_list(const std::string& file, const std::string& object, const std::string& name)
{
    keras_h5::h5_quiet quiet;
    keras_h5::h5_id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    BOOST_REQUIRE_MESSAGE(f, "cannot open " + file);
    keras_h5::h5_id o(H5Oopen(f.get(), object.c_str(), H5P_DEFAULT));
    BOOST_REQUIRE_MESSAGE(o, "no object " + object + " in " + file);
    return keras_h5::read_string_list_attribute(o.get(), name, object);
}

// Two branches from the input: `short` (one Dense, declared first) and
// `long_1` -> `long_2`, joined and followed by `out`. Keras's depths from
// the output: out 0, concat 1, short 2, long_2 2, long_1 3, input 4; the
// walk from `out` meets short before long_2.
const char* unequal_branches =
    "[{Input: {shape: [4]}},"
    " {name: short, Dense: {units: 3}, inputs: [input_1]},"
    " {name: long_1, Dense: {units: 5}, inputs: [input_1]},"
    " {name: long_2, Dense: {units: 2}, inputs: [long_1]},"
    " {name: concat, Concatenate: {}, inputs: [short, long_2]},"
    " {name: out, Dense: {units: 2}, inputs: [concat]}]";

const std::vector<std::string> keras_order = {"input_1", "long_1", "short", "long_2", "concat", "out"};

struct graph_with_adam {
    std::unique_ptr<model> net = model_from(unequal_branches);
    std::unique_ptr<optimizer> opt = make_optimizer(YAML::Load("{adam: {learning_rate: 0.01}}"), "<test>");
    graph_with_adam()
    {
        opt->attach(net->trainable_parameters());
        opt->set_iterations(3);
    }
    void save(const std::string& path, const plugin_registry& plugins, bool weights_only) const
    {
        save_request request;
        request.opt = weights_only ? nullptr : opt.get();
        request.loss = "mse";
        request.weights_only = weights_only;
        save_model(path, *net, request, plugins);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(keras_layer_order)

BOOST_AUTO_TEST_CASE(layer_names_follow_keras_model_layers_not_the_declaration)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    graph_with_adam m;
    m.save(dir.path("graph.h5"), plugins, false);
    BOOST_TEST(name_list(dir.path("graph.h5"), "/model_weights", "layer_names") == keras_order,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(optimizer_slots_follow_the_trainable_weights_in_keras_order)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    graph_with_adam m;
    m.save(dir.path("graph.h5"), plugins, false);
    std::vector<std::string> expected = {"Adam/iter:0"};
    for (const char* slot : {"m", "v"}) {
        for (const char* layer : {"long_1", "short", "long_2", "out"}) {
            for (const char* weight : {"kernel", "bias"}) {
                expected.push_back(std::string("Adam/") + layer + "/" + weight + "/" + slot + ":0");
            }
        }
    }
    BOOST_TEST(name_list(dir.path("graph.h5"), "/optimizer_weights", "weight_names") == expected,
               boost::test_tools::per_element());
    // Read back, every slot is still its own weight's.
    const checkpoint written = capture_state(*m.net, m.opt.get());
    const checkpoint read = format_for_path(plugins, "x.h5").load(dir.path("graph.h5"));
    for (const auto& [name, t] : written.tensors) {
        const auto found = std::find_if(read.tensors.begin(), read.tensors.end(),
                                        [&](const auto& entry) { return entry.first == name; });
        BOOST_REQUIRE_MESSAGE(found != read.tensors.end(), "read back without " + name);
        BOOST_CHECK_MESSAGE(found->second.dims() == t.dims() &&
                                std::memcmp(found->second.bytes(), t.bytes(), t.byte_size()) == 0,
                            name);
    }
}

BOOST_AUTO_TEST_CASE(weights_only_files_list_every_layer_as_the_whole_model_file_does)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    auto net = model_from("[{Dense: {units: 8, activation: relu, input_shape: [4]}}, {Dropout: {rate: 0.2}},"
                          " {Dense: {units: 3, activation: softmax}}]");
    save_request whole;
    save_model(dir.path("whole.h5"), *net, whole, plugins);
    save_request weights;
    weights.weights_only = true;
    save_model(dir.path("weights.h5"), *net, weights, plugins);
    const std::vector<std::string> layers = {"dense", "dropout", "dense_1"};
    BOOST_TEST(name_list(dir.path("whole.h5"), "/model_weights", "layer_names") == layers, boost::test_tools::per_element());
    BOOST_TEST(name_list(dir.path("weights.h5"), "/", "layer_names") == layers, boost::test_tools::per_element());
    // The weightless layer has its group, with an empty weight_names.
    BOOST_CHECK(name_list(dir.path("weights.h5"), "/dropout", "weight_names").empty());
    BOOST_CHECK(name_list(dir.path("whole.h5"), "/model_weights/dropout", "weight_names").empty());
    // And the weights-only file in Keras order too.
    graph_with_adam g;
    g.save(dir.path("graph_weights.h5"), plugins, true);
    BOOST_TEST(name_list(dir.path("graph_weights.h5"), "/", "layer_names") == keras_order,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
