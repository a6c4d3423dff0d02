// Keras words that mean different things across Keras generations, or that
// carry settings: tf.keras 2.x's hard_sigmoid (clip(0.2 x + 0.5, 0, 1), not
// Keras 3's relu6(x + 3) / 6) read and written as what it meant, and metric
// objects (top_k k, precision thresholds, AUC curve) kept through .h5 and
// .keras files instead of shrinking to their names.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "h5_io.hpp"
#include "keras_interop.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/metrics/metric_spec.hpp"
#include "metrics/metric_yaml.hpp"

#include <zip.h>

#include <tuple>

using namespace mlrun;
using namespace mlrun::testing;
using keras_h5::json;

namespace {

std::string attribute(const std::string& file, const std::string& name)
{
    keras_h5::h5_quiet quiet;
    keras_h5::h5_id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    BOOST_REQUIRE_MESSAGE(f, "cannot open " + file);
    return keras_h5::read_string_attribute(f.get(), name, "/");
}

std::string archive_config(const std::string& path)
{
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
    BOOST_REQUIRE(archive != nullptr);
    zip_stat_t info;
    BOOST_REQUIRE(zip_stat(archive, "config.json", 0, &info) == 0);
    std::string bytes(static_cast<std::size_t>(info.size), '\0');
    zip_file_t* file = zip_fopen(archive, "config.json", 0);
    BOOST_REQUIRE(file != nullptr);
    BOOST_REQUIRE_EQUAL(zip_fread(file, bytes.data(), bytes.size()), static_cast<zip_int64_t>(bytes.size()));
    zip_fclose(file);
    zip_discard(archive);
    return bytes;
}

void save(const model& net, const std::string& path, const plugin_registry& plugins, const std::string& keras_version,
          std::vector<metric_spec> metrics = {})
{
    std::unique_ptr<optimizer> opt = make_optimizer(YAML::Load("{sgd: {learning_rate: 0.1}}"), "<test>");
    opt->attach(const_cast<model&>(net).trainable_parameters());
    save_request request;
    request.opt = opt.get();
    request.loss = "categorical_crossentropy";
    request.metrics = std::move(metrics);
    if (!keras_version.empty()) request.format_options = {{"keras_version", keras_version}};
    save_model(path, net, request, plugins);
}

std::string activation_read_back(const checkpoint& read)
{
    const YAML::Node layers = YAML::Load(read.metadata.at("model_config"));
    return layers[0]["Dense"]["activation"].as<std::string>();
}

bool says(const std::exception& e, const std::string& text)
{
    const bool found = std::string(e.what()).find(text) != std::string::npos;
    BOOST_TEST_MESSAGE(e.what());
    return found;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras_vocabulary)

BOOST_AUTO_TEST_CASE(a_tf_keras_2_hard_sigmoid_reads_as_keras_2s_formula_and_is_written_back_as_its_name)
{
    // The file's own words: what tf.keras 2.x and Keras 3 each write for a hard_sigmoid Dense.
    const json keras2_config = json::parse(
        R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config":
            {"name": "d", "units": 2, "activation": "hard_sigmoid", "batch_input_shape": [null, 3]}}]}})");
    const keras_h5::model_spec read2 = keras_h5::with_keras2_activations(keras_h5::model_from_keras(keras2_config, "<t>"));
    BOOST_TEST(read2.layers[0].config["activation"].as<std::string>() == "hard_sigmoid_keras2");
    const keras_h5::model_spec read3 = keras_h5::model_from_keras(keras2_config, "<t>");
    BOOST_TEST(read3.layers[0].config["activation"].as<std::string>() == "hard_sigmoid");

    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    auto keras2 = model_from("[{name: d, Dense: {units: 2, activation: hard_sigmoid_keras2, input_shape: [3]}}]");
    save(*keras2, dir.path("k2.h5"), plugins, "2");
    const std::string written = attribute(dir.path("k2.h5"), "model_config");
    BOOST_TEST(written.find("\"activation\": \"hard_sigmoid\"") != std::string::npos, written);
    BOOST_TEST(written.find("hard_sigmoid_keras2") == std::string::npos);
    BOOST_TEST(activation_read_back(format_for_path(plugins, "k2.h5").load(dir.path("k2.h5"))) == "hard_sigmoid_keras2");

    // Keras 3's hard_sigmoid in a Keras 3 .h5 stays Keras 3's.
    auto keras3 = model_from("[{name: d, Dense: {units: 2, activation: hard_sigmoid, input_shape: [3]}}]");
    save(*keras3, dir.path("k3.h5"), plugins, "3");
    BOOST_TEST(activation_read_back(format_for_path(plugins, "k3.h5").load(dir.path("k3.h5"))) == "hard_sigmoid");
}

BOOST_AUTO_TEST_CASE(a_hard_sigmoid_the_written_generation_has_no_name_for_is_refused_naming_the_layer)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    auto keras3 = model_from("[{name: gate, Dense: {units: 2, activation: hard_sigmoid, input_shape: [3]}}]");
    BOOST_CHECK_EXCEPTION(save(*keras3, dir.path("a.h5"), plugins, "2"), io_error, [](const io_error& e) {
        return says(e, "layer 'gate' (Dense): activation hard_sigmoid (Keras 3's relu6(x + 3) / 6) has no tf.keras 2.x name");
    });
    auto keras2 = model_from("[{name: gate, Dense: {units: 2, activation: hard_sigmoid_keras2, input_shape: [3]}}]");
    BOOST_CHECK_EXCEPTION(save(*keras2, dir.path("a.keras"), plugins, ""), io_error, [](const io_error& e) {
        return says(e, "layer 'gate' (Dense): activation hard_sigmoid_keras2");
    });
    BOOST_CHECK(!fs::exists(dir.path("a.h5")));
    BOOST_CHECK(!fs::exists(dir.path("a.keras")));
}

BOOST_AUTO_TEST_CASE(metric_settings_survive_h5_and_keras_files)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    auto net = model_from("[{name: d, Dense: {units: 4, activation: softmax, input_shape: [3]}}]");
    const std::vector<metric_spec> metrics = parse_metrics_text(
        "[accuracy, {top_k_categorical_accuracy: {k: 3}}, {precision: {thresholds: 0.3}},"
        " {auc: {curve: PR, num_thresholds: 50, name: pr_auc}}]",
        "<test>");
    for (const auto& [name, version] : std::vector<std::pair<std::string, std::string>>{
             {"m2.h5", "2"}, {"m3.h5", "3"}, {"m.keras", ""}}) {
        BOOST_TEST_CONTEXT(name)
        {
            save(*net, dir.path(name), plugins, version, metrics);
            const checkpoint read = format_for_path(plugins, name).load(dir.path(name));
            BOOST_REQUIRE(read.metadata.count("metrics") == 1);
            const std::vector<metric_spec> back = parse_metrics_text(read.metadata.at("metrics"), "<read>");
            BOOST_TEST(metrics_text(back) == metrics_text(metrics));
            BOOST_TEST((back == metrics));
        }
    }
    // As Keras writes them: metric objects with Keras's class names and keys.
    const json training = json::parse(attribute(dir.path("m2.h5"), "training_config"));
    BOOST_TEST(training["metrics"][0] == "accuracy");
    BOOST_TEST(training["metrics"][1]["class_name"] == "TopKCategoricalAccuracy");
    BOOST_TEST(training["metrics"][1]["config"]["k"] == 3);
    BOOST_TEST(training["metrics"][2]["config"]["thresholds"].get<double>() == 0.3);
    BOOST_TEST(training["metrics"][3]["config"]["curve"] == "PR");
    BOOST_TEST(training["metrics"][3]["config"]["name"] == "pr_auc");
    const json archive = json::parse(archive_config(dir.path("m.keras")));
    BOOST_TEST(archive["compile_config"]["metrics"][1]["module"] == "keras.metrics");
    BOOST_TEST(archive["compile_config"]["metrics"][3]["config"]["num_thresholds"] == 50);
}

BOOST_AUTO_TEST_CASE(keras_metric_objects_read_with_their_settings_and_unsupported_ones_are_refused)
{
    const auto read = [](const std::string& metrics) {
        return keras_h5::compile_from_keras(json::parse("{\"metrics\": " + metrics + "}"), "optimizer_config", "<t>");
    };
    // Keras 3's Precision with thresholds as a list of one; AUC at its defaults is its name.
    const keras_h5::compile_spec c = read(
        R"([{"module": "keras.metrics", "class_name": "Precision", "config": {"name": "precision", "dtype": "float32",
            "thresholds": [0.25], "top_k": null, "class_id": null}},
            {"class_name": "AUC", "config": {"name": "auc", "num_thresholds": 200, "curve": "ROC",
            "summation_method": "interpolation", "multi_label": false, "num_labels": null, "label_weights": null,
            "from_logits": false}}])");
    BOOST_REQUIRE_EQUAL(c.metrics.size(), 2u);
    BOOST_TEST(parse_metric_text(YAML::Dump(c.metrics[0]), "<t>").threshold == 0.25f);
    BOOST_TEST(c.metrics[1].Scalar() == "auc");
    BOOST_CHECK_EXCEPTION(read(R"([{"class_name": "Precision", "config": {"top_k": 2}}])"), keras_h5::format_error,
                          [](const std::exception& e) { return says(e, "Precision with top_k = 2 is not supported"); });
    BOOST_CHECK_EXCEPTION(read(R"([{"class_name": "AUC", "config": {"summation_method": "minoring"}}])"),
                          keras_h5::format_error,
                          [](const std::exception& e) { return says(e, "summation_method"); });
}

BOOST_AUTO_TEST_CASE(a_constraint_over_several_axes_reads_and_writes_as_keras_lists_them)
{
    // Keras's MaxNorm(axis=[0, 1, 2]) on a Conv2D kernel, as tf.keras 2.x writes it.
    const json config = json::parse(
        R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Conv2D", "config":
            {"name": "c", "filters": 2, "kernel_size": [3, 3], "batch_input_shape": [null, 5, 5, 1],
             "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 3.0, "axis": [0, 1, 2]}},
             "bias_constraint": {"class_name": "UnitNorm", "config": {"axis": [0]}}}}]}})");
    const keras_h5::model_spec spec = keras_h5::model_from_keras(config, "<t>");
    const YAML::Node kernel = spec.layers[0].config["kernel_constraint"];
    BOOST_TEST((kernel["axis"].as<std::vector<int>>() == std::vector<int>{0, 1, 2}));
    BOOST_TEST(spec.layers[0].config["bias_constraint"]["axis"].as<int>() == 0);
    const json written = keras_h5::keras_model_config(spec);
    const json& c = written["config"]["layers"][1]["config"];
    BOOST_TEST(c["kernel_constraint"]["config"]["axis"].dump() == "[0,1,2]");
    BOOST_TEST(c["bias_constraint"]["config"]["axis"].dump() == "0");
    // Not an axis list: refused naming the setting.
    const json bad = json::parse(
        R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config":
            {"name": "d", "units": 2, "batch_input_shape": [null, 3],
             "kernel_constraint": {"class_name": "MaxNorm", "config": {"axis": ["rows"]}}}}]}})");
    BOOST_CHECK_EXCEPTION(keras_h5::model_from_keras(bad, "<t>"), keras_h5::format_error, [](const std::exception& e) {
        return says(e, "expected an axis or a list of axes");
    });
}

// The penalties of Embedding, BatchNormalization and PReLU (both Keras
// generations) and of DepthwiseConv2D, SeparableConv2D and
// LayerNormalization (tf.keras 2.x files; mlrun writes no Keras 3 form of
// them) come back from the files they were saved to.
BOOST_AUTO_TEST_CASE(the_penalties_of_every_weighted_layer_survive_keras_files)
{
    const plugin_registry plugins = build_plugins();
    temp_dir dir;
    const std::string dense_layers =
        "[{name: e, Embedding: {input_dim: 6, output_dim: 4, input_shape: [3],"
        "   embeddings_regularizer: {class: l2, l2: 0.5}, activity_regularizer: {class: l1, l1: 0.25},"
        "   embeddings_constraint: {class: unit_norm, axis: 1}}},"
        " {name: f, Flatten: {}},"
        " {name: bn, BatchNormalization: {gamma_regularizer: {class: l1, l1: 0.125}, beta_constraint: non_neg}},"
        " {name: p, PReLU: {alpha_regularizer: {class: l1_l2, l1: 0.5, l2: 0.25}, alpha_constraint: {class: max_norm, max_value: 3}}},"
        " {name: d, Dense: {units: 4, activation: softmax}}]";
    const std::string conv_layers =
        "[{name: dw, DepthwiseConv2D: {kernel_size: 2, input_shape: [5, 5, 2], depthwise_regularizer: {class: l2, l2: 0.5},"
        "   depthwise_constraint: {class: max_norm, max_value: 2, axis: [0, 1, 2]}, bias_regularizer: {class: l1, l1: 0.25}}},"
        " {name: sep, SeparableConv2D: {filters: 2, kernel_size: 2, pointwise_regularizer: {class: l2, l2: 0.125},"
        "   depthwise_constraint: non_neg, activity_regularizer: {class: l2, l2: 0.5}}},"
        " {name: ln, LayerNormalization: {beta_regularizer: {class: l2, l2: 0.25}, gamma_constraint: {class: unit_norm, axis: 0}}},"
        " {name: f, Flatten: {}}, {name: d, Dense: {units: 4, activation: softmax}}]";
    for (const auto& [layers, file, version] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {dense_layers, "dense2.h5", "2"}, {dense_layers, "dense.keras", ""}, {conv_layers, "conv2.h5", "2"}}) {
        BOOST_TEST_CONTEXT(file)
        {
            auto net = model_from(layers);
            save(*net, dir.path(file), plugins, version);
            const checkpoint read = format_for_path(plugins, file).load(dir.path(file));
            auto rebuilt = build_model(YAML::Load(read.metadata.at("model_config")), "<read>", std::nullopt);
            BOOST_REQUIRE_EQUAL(rebuilt->nodes().size(), net->nodes().size());
            for (std::size_t i = 1; i < net->nodes().size(); ++i) {
                BOOST_TEST(YAML::Dump(encode_layer_spec(rebuilt->nodes()[i].op->config())) ==
                           YAML::Dump(encode_layer_spec(net->nodes()[i].op->config())));
            }
        }
    }
    // In tf.keras 2.x's words.
    const std::string written = attribute(dir.path("dense2.h5"), "model_config");
    BOOST_TEST(written.find("\"gamma_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.125, \"l2\": 0.0}}") !=
               std::string::npos);
    BOOST_TEST(written.find("\"beta_constraint\": {\"class_name\": \"NonNeg\"") != std::string::npos);
    BOOST_TEST(written.find("\"embeddings_constraint\": {\"class_name\": \"UnitNorm\", \"config\": {\"axis\": 1}}") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_penalty_on_a_layer_that_cannot_take_it_is_refused_naming_layer_and_key)
{
    const json config = json::parse(
        R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "PReLU", "config":
            {"name": "gate", "batch_input_shape": [null, 3],
             "activity_regularizer": {"class_name": "L2", "config": {"l2": 0.1}}}}]}})");
    BOOST_CHECK_EXCEPTION(keras_h5::model_from_keras(config, "<t>"), keras_h5::format_error, [](const std::exception& e) {
        return says(e, "'gate'") && says(e, "activity_regularizer");
    });
}

BOOST_AUTO_TEST_SUITE_END()
