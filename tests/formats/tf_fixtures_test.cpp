// Real TensorFlow bundles (shared/fixtures/interop, values from its
// MANIFEST.md) read through the tf_checkpoint plugin, under their own keys.
#define BOOST_TEST_MODULE tf_checkpoint
#include <boost/test/unit_test.hpp>

#include "tf_test_support.hpp"

#include "mlrun/checkpoint/format_listing.hpp"

#include <cmath>
#include <vector>

using namespace mlrun;
using namespace mlrun::tf_testing;

namespace {

const format_options raw_names = {{"names", "tensorflow"}};

checkpoint load_raw(const std::string& relative) { return tf_format().load(fixture(relative), raw_names); }

const tensor& get(const checkpoint& c, const std::string& name)
{
    const tensor* t = c.find(name);
    if (t == nullptr) throw std::runtime_error("no tensor '" + name + "'");
    return *t;
}

// Values in MANIFEST.md are printed with 9 significant digits (float's
// round-trip precision), so they match to a relative 1e-7.
void check_values(const checkpoint& c, const std::string& name, const shape& dims, const std::vector<float>& leading)
{
    BOOST_TEST_CONTEXT(name)
    {
        const tensor& t = get(c, name);
        BOOST_TEST(t.type() == dtype::float32);
        BOOST_TEST(t.dims().to_string() == dims.to_string());
        BOOST_REQUIRE(static_cast<std::size_t>(t.size()) >= leading.size());
        for (std::size_t i = 0; i < leading.size(); ++i) {
            BOOST_TEST(t.f32()[i] == leading[i], boost::test_tools::tolerance(1e-7f));
        }
    }
}

std::int64_t int64_scalar(const checkpoint& c, const std::string& name)
{
    const tensor& t = get(c, name);
    BOOST_REQUIRE(t.type() == dtype::int64);
    BOOST_REQUIRE(t.dims().rank() == 0);
    return t.data<std::int64_t>()[0];
}

std::string attr(const std::string& path) { return path + "/.ATTRIBUTES/VARIABLE_VALUE"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(fixtures_read_with_known_values, *needs_interop_fixtures())

BOOST_AUTO_TEST_CASE(tf1_half_plus_three_uncompressed)
{
    const checkpoint c = load_raw("tf1-half-plus-three/variables");
    BOOST_TEST(c.tensors.size() == 3u);
    check_values(c, "a", {}, {0.5f});
    check_values(c, "b", {}, {3.0f});
    check_values(c, "c", {}, {3.0f});
}

BOOST_AUTO_TEST_CASE(tf1_half_plus_two_snappy_index)
{
    const checkpoint c = load_raw("tf1-half-plus-two-snappy/variables");
    BOOST_TEST(c.tensors.size() == 5u);
    check_values(c, "a", {}, {0.5f});
    check_values(c, "a2", {}, {0.5f});
    check_values(c, "b", {}, {2.0f});
    check_values(c, "c", {}, {3.0f});
    check_values(c, "c2", {}, {3.0f});
}

BOOST_AUTO_TEST_CASE(tf2_half_plus_two_object_snappy_index)
{
    const checkpoint c = load_raw("tf2-half-plus-two-object/variables");
    check_values(c, attr("a"), {}, {0.5f});
    check_values(c, attr("b"), {}, {2.0f});
    check_values(c, attr("c"), {}, {3.0f});
    const tensor& graph = get(c, "_CHECKPOINTABLE_OBJECT_GRAPH");
    BOOST_TEST(graph.type() == dtype::string);
    BOOST_TEST(graph.strings().at(0).size() == 613u);
}

BOOST_AUTO_TEST_CASE(tf1_saver_tiny_mlp_every_value)
{
    const checkpoint c = load_raw("tf1-saver-tiny-mlp/model.ckpt");
    BOOST_TEST(c.tensors.size() == 4u);
    check_values(c, "Bias1", {2}, {-11.6021385f, -5.66068888f});
    check_values(c, "Bias2", {3}, {-5.71117163f, -7.42494202f, 5.76171827f});
    check_values(c, "Weights1", {2, 2}, {11.0448093f, 16.5013828f, 8.00568104f, -1.88708448f});
    check_values(c, "Weights2", {2, 3}, {-12.9341393f, 12.5837479f, -1.08629525f, 12.1743889f, 1.27750039f, -11.6921635f});
}

BOOST_AUTO_TEST_CASE(tf1_saver_with_adam_slots)
{
    const checkpoint c = load_raw("tf1-saver-adam-mlp/model.ckpt");
    BOOST_TEST(c.tensors.size() == 34u);  // the 35 keys of MANIFEST.md count the header
    check_values(c, "Variable", {8, 100}, {-0.702847898f, 0.751050413f, 0.993626893f, -0.0823677182f});
    check_values(c, "Variable_5/Adam", {5}, {-0.00147878774f, -0.000273012964f, -0.000851876335f, -0.00230681919f, -0.000814267434f});
    check_values(c, "Variable_9/Adam_1", {1}, {0.241599888f});
    check_values(c, "Variable_11", {1}, {1.0f});
    check_values(c, "beta2_power", {}, {4.16217225e-18f});
}

BOOST_AUTO_TEST_CASE(tf2_0_alpha_tutorial_checkpoint)
{
    const checkpoint c = load_raw("tf2.0a-keras-save-weights-mlp/cp-0000.ckpt");
    check_values(c, attr("layer_with_weights-0/kernel"), {784, 512}, {0.0660897195f, -0.0432048999f, 0.0266638473f, -0.0521141216f});
    check_values(c, attr("layer_with_weights-1/kernel"), {512, 10}, {0.0446151868f, -0.0204191953f, 0.0431698039f, 0.0837517902f});
    const tensor& bias = get(c, attr("layer_with_weights-0/bias"));
    BOOST_TEST(bias.dims().to_string() == "(512,)");
    for (std::int64_t i = 0; i < bias.size(); ++i) BOOST_TEST(bias.f32()[i] == 0.0f);
    const tensor& config = get(c, "layer-2/.ATTRIBUTES/OBJECT_CONFIG_JSON");
    BOOST_TEST(config.strings().at(0) ==
               R"({"class_name": "Dropout", "config": {"dtype": "float32", "name": "dropout_5", "noise_shape": null, "rate": 0.2, "seed": null, "trainable": true}})");
}

BOOST_AUTO_TEST_CASE(index_without_its_data_shard_lists_names_only)
{
    const std::string prefix = fixture("tf2.0a-keras-save-weights-mlp/index-only/cp-0050.ckpt");
    // Names, dtypes and shapes come from the index alone ...
    const std::vector<tensor_listing> listing =
        list_tensors(registry().find(MLRUN_PLUGIN_FORMAT, "tf_checkpoint"), prefix,
                     {{"names", "tensorflow"}, {"require_data", "false"}}).tensors;
    BOOST_TEST(listing.size() == 25u);
    bool found = false;
    for (const tensor_listing& t : listing) {
        if (t.name == "layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE") {
            found = true;
            BOOST_TEST(t.type == dtype::float32);
            BOOST_TEST(t.dims.to_string() == "(784, 512)");
        }
    }
    BOOST_TEST(found);
    // ... but values need the shard, and its absence is named.
    const std::string message = error_of([&] { tf_format().load(prefix, raw_names); });
    BOOST_TEST(message.find("cp-0050.ckpt.data-00000-of-00001: missing data shard 0 of 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tf2_savedmodel_variables_with_legacy_adam)
{
    const checkpoint c = load_raw("tf2-keras-savedmodel-variables-mnist/variables");
    BOOST_TEST(int64_scalar(c, attr("optimizer/iter")) == 9375);
    check_values(c, attr("keras_api/metrics/0/count"), {}, {10000.0f});
    check_values(c, attr("keras_api/metrics/0/total"), {}, {9751.0f});
    check_values(c, attr("optimizer/beta_2"), {}, {0.999000013f});
    check_values(c, "layer_with_weights-0/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE", {128},
                 {0.00161687983f, -0.000620668987f, -0.000735614682f, -0.000195094311f});
}

BOOST_AUTO_TEST_CASE(tf2_checkpoint_manager_with_an_iterator_variant)
{
    const checkpoint c = load_raw("tf2-checkpoint-manager-adam/ckpt-40");
    const tensor& step = get(c, attr("step"));
    BOOST_TEST(step.type() == dtype::int32);
    BOOST_TEST(step.data<std::int32_t>()[0] == 400);
    BOOST_TEST(int64_scalar(c, attr("save_counter")) == 40);
    BOOST_TEST(int64_scalar(c, attr("optimizer/iter")) == 399);
    check_values(c, attr("net/l1/kernel"), {1, 5}, {4.97429752f, 5.02399874f, 4.97076273f, 5.02603769f, 4.96185875f});
    check_values(c, attr("optimizer/learning_rate"), {}, {0.100000001f});
    // The tf.data iterator state has no mlrun type: reported, not read.
    BOOST_TEST(c.find("iterator/.ATTRIBUTES/ITERATOR_STATE") == nullptr);
    BOOST_TEST(c.metadata.at("tf_skipped_tensors").find("iterator/.ATTRIBUTES/ITERATOR_STATE: DT_VARIANT [1]") == 0u);
    BOOST_TEST(int64_scalar(load_raw("tf2-checkpoint-manager-adam/ckpt-38"), attr("save_counter")) == 38);
}

BOOST_AUTO_TEST_CASE(tf2_save_weights_before_build_holds_only_the_graph)
{
    const checkpoint c = load_raw("tf2-save-weights-unbuilt/easy_checkpoint");
    BOOST_TEST(c.tensors.size() == 1u);
    BOOST_TEST(get(c, "_CHECKPOINTABLE_OBJECT_GRAPH").strings().at(0).size() == 12u);
}

BOOST_AUTO_TEST_CASE(tf2_11_checkpoint_manager_with_new_optimizer)
{
    const checkpoint c = load_raw("tf2.11-keras-checkpoint-manager/ckpt-19");
    BOOST_TEST(int64_scalar(c, attr("save_counter")) == 19);
    BOOST_TEST(int64_scalar(c, attr("net/optimizer/_iterations")) == 316);
    BOOST_TEST(int64_scalar(c, attr("optimizer/_iterations")) == 0);
    check_values(c, attr("net/layer_with_weights-0/kernel"), {9, 9}, {0.380649805f, -0.504158318f, 0.429438144f, -0.0557085872f});
    check_values(c, attr("net/optimizer/_variables/8"), {9}, {0.00282542361f, 0.000370986876f, 0.00824702159f, 0.000515796244f});
    BOOST_TEST(int64_scalar(load_raw("tf2.11-keras-checkpoint-manager/ckpt-17"), attr("save_counter")) == 17);
}

BOOST_AUTO_TEST_CASE(tf2_subclassed_model_keys_by_attribute)
{
    const checkpoint c = load_raw("tf2-keras-subclassed-save-weights/my_checkpoint");
    check_values(c, attr("critic/bias"), {1}, {0.00999999791f});
    check_values(c, attr("common/kernel"), {9, 128}, {0.0688771456f, -0.0246914923f, -0.0615757406f, -0.014865756f});
}

BOOST_AUTO_TEST_CASE(tf2_11_save_weights_sequential_with_a_cyclic_graph)
{
    const checkpoint c = load_raw("tf2.11-keras-save-weights-sequential/my_checkpoint");
    BOOST_TEST(int64_scalar(c, attr("optimizer/_iterations")) == 2112);
    check_values(c, attr("optimizer/_learning_rate"), {}, {0.00100000005f});
    check_values(c, attr("layer_with_weights-2/bias"), {3}, {-0.0664773956f, -0.0681929514f, -0.00829049386f});
}

BOOST_AUTO_TEST_CASE(tf2_11_savedmodel_variables_with_moments)
{
    const checkpoint c = load_raw("tf2.11-keras-savedmodel-variables-dqn/variables");
    BOOST_TEST(int64_scalar(c, attr("optimizer/_iterations")) == 11328);
    check_values(c, attr("optimizer/_variables/11"), {3}, {-10414.6582f, -2061.38037f, 2294.08423f});
    check_values(c, attr("keras_api/metrics/0/total"), {}, {649681984.0f});
}

BOOST_AUTO_TEST_SUITE_END()
