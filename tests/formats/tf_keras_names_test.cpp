// mlrun checkpoints stored under tf.keras names with an object graph of the
// shape tf.keras writes, checked against real TensorFlow files; and
// TensorFlow's Keras checkpoints read back under mlrun's names.
#include <boost/test/unit_test.hpp>

#include "tf_test_support.hpp"

#include "keras_names.hpp"
#include "mlrun/checkpoint/format_listing.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/rng.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "optim/optimizer_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <deque>
#include <map>
#include <set>

using namespace mlrun;
using namespace mlrun::tf_testing;

namespace {

const format_options raw_names = {{"names", "tensorflow"}};

const char* const tutorial_layers = R"([
  {Dense: {units: 512, activation: relu, input_shape: [784]}},
  {Dropout: {rate: 0.2}},
  {Dense: {units: 10, activation: softmax}}])";

struct trained_state {
    std::unique_ptr<model> net;
    std::unique_ptr<optimizer> opt;
};

trained_state make_model(const std::string& layers, const std::string& optimizer_spec)
{
    trained_state s;
    s.net = build_model(YAML::Load(layers), "<test>", std::nullopt);
    rng init(7);
    s.net->build(init);
    if (!optimizer_spec.empty()) {
        s.opt = make_optimizer(YAML::Load(optimizer_spec), "<test>");
        s.opt->attach(s.net->parameters());
        s.opt->set_iterations(42);
        // Slots with recognisable values, as after some training.
        float value = 0.25f;
        for (auto& per_parameter : s.opt->slots()) {
            for (tensor& slot : per_parameter) {
                for (std::int64_t i = 0; i < slot.size(); ++i) slot.f32()[i] = value;
                value += 0.25f;
            }
        }
    }
    return s;
}

std::set<std::string> names_of(const std::vector<tensor_listing>& listing)
{
    std::set<std::string> names;
    for (const tensor_listing& t : listing) names.insert(t.name);
    return names;
}

tf::TrackableObjectGraph graph_of(const checkpoint& raw)
{
    const tensor* t = raw.find(tf::object_graph_key);
    BOOST_REQUIRE(t != nullptr);
    tf::TrackableObjectGraph graph;
    BOOST_REQUIRE(graph.ParseFromString(t->strings().at(0)));
    return graph;
}

// A node-id free picture of an object graph: for every node, by the path it
// is first reached on (breadth first, children in listed order), its edges
// and its attributes. Two graphs of the same shape give the same picture.
std::map<std::string, std::string> describe(const tf::TrackableObjectGraph& graph, const std::set<std::string>& skip_root_edges)
{
    std::map<int, std::string> path_of{{0, "(root)"}};
    std::deque<int> queue{0};
    std::map<std::string, std::string> picture;
    while (!queue.empty()) {
        const int id = queue.front();
        queue.pop_front();
        std::string text;
        for (const auto& c : graph.nodes(id).children()) {
            if (id == 0 && skip_root_edges.count(c.local_name()) != 0) continue;
            const std::string child_path = (id == 0 ? "" : path_of[id] + "/") + c.local_name();
            if (path_of.emplace(c.node_id(), child_path).second) queue.push_back(c.node_id());
            text += "child " + c.local_name() + " -> " + path_of[c.node_id()] + "\n";
        }
        for (const auto& a : graph.nodes(id).attributes()) {
            text += "attribute " + a.name() + " full_name=" + a.full_name() + " key=" + a.checkpoint_key() + "\n";
        }
        for (const auto& s : graph.nodes(id).slot_variables()) {
            text += "slot " + s.slot_name() + " of " + path_of[s.original_variable_node_id()] + "\n";
        }
        picture[path_of[id]] = text;
    }
    return picture;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tf_keras_names)

BOOST_AUTO_TEST_CASE(the_tutorial_model_gets_the_keys_tf_keras_gives_it, *needs_interop_fixtures())
{
    // TF 2.0.0-alpha0 saved the same tutorial model (784-512-Dropout-10,
    // Adam) after 50 epochs; it also wrote OBJECT_CONFIG_JSON strings and
    // an epsilon variable, which later tf.keras versions no longer write.
    const trained_state s = make_model(tutorial_layers, "adam");
    temp_dir dir;
    tf_format().save(dir.path("cp-0050.ckpt"), capture_state(*s.net, s.opt.get()));

    const plugin_record& plugin = registry().find(MLRUN_PLUGIN_FORMAT, "tf_checkpoint");
    const auto theirs = list_tensors(plugin, fixture("tf2.0a-keras-save-weights-mlp/index-only/cp-0050.ckpt"),
                                     {{"names", "tensorflow"}, {"require_data", "false"}}).tensors;
    const auto ours = list_tensors(plugin, dir.path("cp-0050.ckpt"), raw_names).tensors;
    std::set<std::string> expected;
    for (const std::string& name : names_of(theirs)) {
        if (name.find("OBJECT_CONFIG_JSON") == std::string::npos && name != "optimizer/epsilon/.ATTRIBUTES/VARIABLE_VALUE") {
            expected.insert(name);
        }
    }
    expected.insert("_MLRUN_METADATA/model_config");
    expected.insert("_MLRUN_METADATA/optimizer_config");
    BOOST_TEST(names_of(ours) == expected, boost::test_tools::per_element());
    for (const tensor_listing& mine : ours) {
        for (const tensor_listing& tf_one : theirs) {
            if (mine.name != tf_one.name || mine.name == tf::object_graph_key) continue;
            BOOST_TEST_CONTEXT(mine.name)
            {
                BOOST_TEST(mine.type == tf_one.type);
                BOOST_TEST(mine.dims.to_string() == tf_one.dims.to_string());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(the_object_graph_has_the_shape_tf_keras_2_11_writes, *needs_interop_fixtures())
{
    // tf2.11-keras-save-weights-sequential: Dense(12, input_dim=12),
    // Dense(12), Dense(3), saved by model.save_weights. Its optimizer is
    // the 2.11 kind (compared in the next test) and its root lists itself
    // as `root`; the layers must match exactly, full names included.
    const trained_state s = make_model(
        "[{Dense: {units: 12, activation: relu, input_shape: [12]}}, {Dense: {units: 12}}, {Dense: {units: 3}}]", "");
    temp_dir dir;
    tf_format().save(dir.path("ours"), capture_state(*s.net, nullptr));
    const auto ours = describe(graph_of(tf_format().load(dir.path("ours"), raw_names)), {});
    const auto theirs = describe(
        graph_of(tf_format().load(fixture("tf2.11-keras-save-weights-sequential/my_checkpoint"), raw_names)),
        {"optimizer", "root"});
    BOOST_TEST(ours.size() == 10u);  // root, 3 layers, 6 variables
    for (const auto& [path, text] : ours) {
        BOOST_TEST_CONTEXT(path)
        {
            BOOST_REQUIRE(theirs.count(path) == 1u);
            BOOST_TEST(text == theirs.at(path));
        }
    }
}

BOOST_AUTO_TEST_CASE(the_optimizer_part_has_the_shape_of_legacy_tf_keras_adam, *needs_interop_fixtures())
{
    // TF 2.0's SavedModel of Flatten + Dense(128) + Dense(10) with Adam:
    // optimizer variables iter, beta_1, beta_2, decay, learning_rate, and
    // slot_variables m then v for each variable.
    const trained_state s = make_model(
        "[{Flatten: {input_shape: [28, 28]}}, {Dense: {units: 128, activation: relu}}, {Dense: {units: 10}}]", "adam");
    temp_dir dir;
    tf_format().save(dir.path("ours"), capture_state(*s.net, s.opt.get()));
    const auto ours = describe(graph_of(tf_format().load(dir.path("ours"), raw_names)), {});
    const auto theirs = describe(
        graph_of(tf_format().load(fixture("tf2-keras-savedmodel-variables-mnist/variables"), raw_names)), {});
    std::string expected = theirs.at("optimizer");
    // Full names carry the layer names: TF's were dense_4 and dense_5.
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"dense_4/", "dense/"}, {"dense_5/", "dense_1/"}}) {
        for (std::size_t at = expected.find(from); at != std::string::npos; at = expected.find(from, at + to.size())) {
            expected.replace(at, from.size(), to);
        }
    }
    BOOST_TEST(ours.at("optimizer") == expected);
    for (const char* path : {"layer_with_weights-0", "layer_with_weights-1/kernel", "optimizer/iter", "optimizer/beta_1"}) {
        BOOST_TEST_CONTEXT(path) { BOOST_TEST(ours.count(path) == 1u); }
    }
    BOOST_TEST(ours.at("optimizer/learning_rate") ==
               "attribute VARIABLE_VALUE full_name=Adam/learning_rate key=optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE\n");
}

BOOST_AUTO_TEST_CASE(mlrun_names_survive_a_round_trip)
{
    const trained_state s = make_model(tutorial_layers, "{adam: {learning_rate: 0.01}}");
    const checkpoint saved = capture_state(*s.net, s.opt.get());
    temp_dir dir;
    tf_format().save(dir.path("cp.ckpt"), saved);
    const checkpoint loaded = tf_format().load(dir.path("cp.ckpt"));
    BOOST_REQUIRE(loaded.tensors.size() == saved.tensors.size());
    for (std::size_t i = 0; i < saved.tensors.size(); ++i) {
        const auto& [name, t] = saved.tensors[i];
        BOOST_TEST_CONTEXT(name)
        {
            BOOST_TEST(loaded.tensors[i].first == name);
            BOOST_TEST(loaded.tensors[i].second.dims().to_string() == t.dims().to_string());
            BOOST_REQUIRE(loaded.tensors[i].second.byte_size() == t.byte_size());
            BOOST_TEST(std::memcmp(loaded.tensors[i].second.bytes(), t.bytes(), t.byte_size()) == 0);
        }
    }
    BOOST_TEST(loaded.metadata.at("model_config") == saved.metadata.at("model_config"));
    BOOST_TEST(loaded.metadata.at("optimizer_config") == saved.metadata.at("optimizer_config"));
    BOOST_TEST(loaded.metadata.at("tf_optimizer_settings") == "beta_1: 0.899999976\nbeta_2: 0.999000013\ndecay: 0\nlearning_rate: 0.00999999978\n");
    BOOST_TEST(loaded.metadata.size() == 3u);
}

BOOST_AUTO_TEST_CASE(the_tf_2_0_tutorial_checkpoint_loads_into_the_mlrun_tutorial_model, *needs_interop_fixtures())
{
    const trained_state s = make_model(tutorial_layers, "");
    const checkpoint c = tf_format().load(fixture("tf2.0a-keras-save-weights-mlp/cp-0000.ckpt"),
                                          {{"layer_names", "dense,dense_1"}});
    std::vector<std::string> names;
    for (const auto& t : c.tensors) names.push_back(t.first);
    BOOST_TEST(names == (std::vector<std::string>{"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"}),
               boost::test_tools::per_element());
    BOOST_TEST(c.metadata.at("tf_object_config/layer-2/.ATTRIBUTES/OBJECT_CONFIG_JSON").find("\"Dropout\"") != std::string::npos);
    model& net = *s.net;
    BOOST_TEST(restore_state(net, nullptr, c, false, "cp-0000.ckpt").empty());
    const tensor& kernel = net.nodes()[1].op->parameters()[0].value;
    BOOST_TEST(kernel.f32()[1] == -0.0432048999f, boost::test_tools::tolerance(1e-7f));
}

BOOST_AUTO_TEST_CASE(layer_names_default_to_the_variables_full_names, *needs_interop_fixtures())
{
    const checkpoint c = tf_format().load(fixture("tf2.0a-keras-save-weights-mlp/cp-0000.ckpt"));
    BOOST_TEST(c.find("dense_10/kernel") != nullptr);
    BOOST_TEST(c.find("dense_11/bias") != nullptr);
}

BOOST_AUTO_TEST_CASE(legacy_adam_slots_and_counter_map_by_object_graph, *needs_interop_fixtures())
{
    const checkpoint c = tf_format().load(fixture("tf2-keras-savedmodel-variables-mnist/variables"),
                                          {{"layer_names", "dense,dense_1"}});
    BOOST_TEST(c.find("optimizer/iterations")->data<std::int64_t>()[0] == 9375);
    const tensor* m = c.find("optimizer/dense/bias/m");
    BOOST_REQUIRE(m != nullptr);
    BOOST_TEST(m->f32()[0] == 0.00161687983f, boost::test_tools::tolerance(1e-7f));
    BOOST_TEST(c.find("optimizer/dense_1/kernel/v") != nullptr);
    // Metric state is not part of an mlrun model: it stays under its key,
    // for strict loading to report.
    BOOST_TEST(c.find("keras_api/metrics/0/total/.ATTRIBUTES/VARIABLE_VALUE") != nullptr);
    BOOST_TEST(c.metadata.at("tf_optimizer_settings") ==
               "beta_1: 0.899999976\nbeta_2: 0.999000013\ndecay: 0\nlearning_rate: 0.00100000005\n");
}

BOOST_AUTO_TEST_CASE(keras_2_11_optimizer_lists_map_to_m_and_v, *needs_interop_fixtures())
{
    // Model under `net/` in tf.train.Checkpoint(net=model, ...).
    const checkpoint c = tf_format().load(fixture("tf2.11-keras-checkpoint-manager/ckpt-19"),
                                          {{"layer_names", "dense,dense_1"}});
    const checkpoint raw = tf_format().load(fixture("tf2.11-keras-checkpoint-manager/ckpt-19"), raw_names);
    const std::pair<const char*, const char*> pairs[] = {
        {"optimizer/dense/kernel/m", "net/optimizer/_variables/1/.ATTRIBUTES/VARIABLE_VALUE"},
        {"optimizer/dense/kernel/v", "net/optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE"},
        {"optimizer/dense/bias/m", "net/optimizer/_variables/3/.ATTRIBUTES/VARIABLE_VALUE"},
        {"optimizer/dense_1/bias/v", "net/optimizer/_variables/8/.ATTRIBUTES/VARIABLE_VALUE"},
        {"dense_1/kernel", "net/layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE"},
    };
    for (const auto& [mlrun_name, key] : pairs) {
        BOOST_TEST_CONTEXT(mlrun_name)
        {
            const tensor* mine = c.find(mlrun_name);
            BOOST_REQUIRE(mine != nullptr);
            BOOST_TEST(std::memcmp(mine->bytes(), raw.find(key)->bytes(), mine->byte_size()) == 0);
        }
    }
    BOOST_TEST(c.find("optimizer/iterations")->data<std::int64_t>()[0] == 316);
    // Outside the model: the checkpoint's own step, save counter and unused
    // top-level optimizer keep their keys.
    BOOST_TEST(c.find("step/.ATTRIBUTES/VARIABLE_VALUE") != nullptr);
    BOOST_TEST(c.find("save_counter/.ATTRIBUTES/VARIABLE_VALUE") != nullptr);
    BOOST_TEST(c.find("optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE") != nullptr);
    // 4 weights, the counter, 8 moments, and those 4 outside the model; the
    // model optimizer's learning rate is a setting, reported in metadata.
    BOOST_TEST(c.tensors.size() == 4u + 1u + 8u + 4u);
    BOOST_TEST(c.metadata.at("tf_optimizer_settings") == "_learning_rate: 0.00100000005\n");
}

BOOST_AUTO_TEST_CASE(a_cyclic_object_graph_is_walked_once, *needs_interop_fixtures())
{
    const checkpoint c = tf_format().load(fixture("tf2.11-keras-save-weights-sequential/my_checkpoint"));
    BOOST_TEST(c.find("optimizer/iterations")->data<std::int64_t>()[0] == 2112);
    BOOST_TEST(c.find("dense_2/kernel")->dims().to_string() == "(12, 3)");
    BOOST_TEST(c.tensors.size() == 7u);
}

BOOST_AUTO_TEST_CASE(keras_2_11_savedmodel_moments_map_by_momentum_lists, *needs_interop_fixtures())
{
    const checkpoint c = tf_format().load(fixture("tf2.11-keras-savedmodel-variables-dqn/variables"));
    BOOST_TEST(c.find("optimizer/dense/kernel/m")->f32()[0] == -3.62071301e+12f, boost::test_tools::tolerance(1e-7f));
    BOOST_TEST(c.find("optimizer/dense_2/bias/m")->f32()[0] == -10414.6582f, boost::test_tools::tolerance(1e-7f));
    BOOST_TEST(c.find("optimizer/dense_2/bias/v")->f32()[0] == 9.14607309e+11f, boost::test_tools::tolerance(1e-7f));
}

BOOST_AUTO_TEST_CASE(escaped_local_names_round_trip)
{
    BOOST_TEST(tf::escape_local_name("a.b/c") == "a..b.Sc");
    BOOST_TEST(tf::unescape_local_name("a..b.Sc") == "a.b/c");
}

BOOST_AUTO_TEST_SUITE_END()
