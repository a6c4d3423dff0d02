// The reshaping layers, SpatialDropout2D, Embedding and the activation
// layers with settings in Keras's files: a model of each saves as Keras 2
// HDF5, a Keras 3 archive (.keras), a TensorFlow checkpoint and a TF.js
// model and loads back with the
// same layer settings, weights (by Keras's names) and predictions, bit for
// bit; and TensorFlow.js itself (@tensorflow/tfjs in node) predicts what
// mlrun predicts from the TF.js files mlrun writes, the oracle for the
// layers' forward passes (bilinear upsampling and log_softmax against
// TF.js's ops, since its layers do not compute them as Keras does).
#define BOOST_TEST_MODULE keras_layers
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/tfjs_oracle.hpp"
#include "support/run_command.hpp"
#include "support/test_models.hpp"

#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/data/array_io.hpp"
#include "mlrun/model/saved_model.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace mlrun;
namespace fs = std::filesystem;

namespace {

struct layer_case {
    std::string label;
    std::string layers;     // YAML layer list
    int indices_below = 0;  // > 0: inputs are whole numbers in [0, indices_below)
};

std::ostream& operator<<(std::ostream& out, const layer_case& c) { return out << c.label; }

const std::vector<layer_case> file_cases = {
    {"reshaping layers",
     "[{Reshape: {target_shape: [6, -1, 2], input_shape: [4, 6, 2], name: turned}},"
     " {Permute: {dims: [2, 1, 3], name: swapped}}, {ZeroPadding2D: {padding: [[1, 0], [2, 1]], name: padded}},"
     " {Cropping2D: {cropping: [1, 2], name: cropped}}, {UpSampling2D: {size: [2, 1], interpolation: bilinear}},"
     " {SpatialDropout2D: {rate: 0.3}}, {ELU: {alpha: 0.5}}, {ReLU: {max_value: 6, negative_slope: 0.1, threshold: 0.2}},"
     " {PReLU: {shared_axes: [1, 2]}}, {Reshape: {target_shape: [-1]}}, {Dense: {units: 3, activation: log_softmax}}]"},
    {"sequential embedding",
     "[{Embedding: {input_dim: 9, output_dim: 4, input_shape: [5]}}, {PReLU: {alpha_initializer: ones}},"
     " {Flatten: {}}, {Dense: {units: 3, activation: softmax}}]",
     9},
};

struct temp_dir {
    fs::path dir;
    temp_dir()
    {
        std::string pattern = (fs::temp_directory_path() / "mlrun-keras-layers-XXXXXX").string();
        BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
        dir = pattern;
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string path(const std::string& name) const { return (dir / name).string(); }
};

plugin_registry build_plugins() { return plugin_registry({testing::binary_dir() + "/lib/mlrun/plugins"}); }

// Weights drawn away from zero, so no layer passes by being the identity.
void randomize(model& m, std::uint64_t seed)
{
    rng gen(seed);
    for (const model::node& n : m.nodes()) {
        for (parameter& p : n.op->parameters()) p.value = testing::random_tensor(p.value.dims(), gen, -1.0f, 1.0f);
    }
}

tensor inputs_for(const model& m, const layer_case& c, std::int64_t batch, std::uint64_t seed)
{
    rng gen(seed);
    tensor x = testing::random_tensor(m.input_shape().with_batch(batch), gen);
    for (std::int64_t i = 0; c.indices_below > 0 && i < x.size(); ++i) {
        x.f32()[i] = static_cast<float>(gen.below(static_cast<std::uint64_t>(c.indices_below)));
    }
    return x;
}

double largest_difference(const tensor& a, const tensor& b)
{
    BOOST_TEST_REQUIRE(a.dims() == b.dims(), a.dims().to_string() << " vs " << b.dims().to_string());
    double worst = 0.0;
    for (std::int64_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a.f32()[i]) - b.f32()[i]));
    return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras_files)

// Keras 2 HDF5, Keras 3's .keras, a TensorFlow checkpoint (a prefix without
// suffix) and TF.js.
BOOST_DATA_TEST_CASE(models_of_the_new_classes_round_trip, boost::unit_test::data::make(file_cases), c)
{
    const plugin_registry plugins = build_plugins();
    auto original = testing::model_from_yaml(c.layers, 5);
    randomize(*original, 9);
    const tensor x = inputs_for(*original, c, 6, 3);
    backend be;
    const tensor expected = original->forward(be, x, false, 0);
    temp_dir dir;
    for (const std::string name : {"model.h5", "model.keras", "ckpt/model", "web/"}) {
        if (name == "ckpt/model") fs::create_directories(dir.dir / "ckpt");
        const std::string path = dir.path(name);
        save_model(path, *original, save_request{}, plugins);
        std::unique_ptr<loaded_model> loaded = load_model(path, plugins, be);
        const auto& ours = original->nodes();
        const auto& theirs = loaded->net().nodes();
        BOOST_TEST_REQUIRE(ours.size() == theirs.size(), name);
        for (std::size_t i = 0; i < ours.size(); ++i) {
            BOOST_TEST(theirs[i].op->name() == ours[i].op->name(), name);
            BOOST_TEST(YAML::Dump(encode_layer_spec(theirs[i].op->config())) ==
                           YAML::Dump(encode_layer_spec(ours[i].op->config())),
                       name << ": " << ours[i].op->name());
        }
        const checkpoint before = capture_state(*original, nullptr);
        const checkpoint after = capture_state(loaded->net(), nullptr);
        for (const auto& [tensor_name, t] : before.tensors) {
            const tensor* other = after.find(tensor_name);
            BOOST_TEST_REQUIRE(other != nullptr, name << ": no " << tensor_name);
            BOOST_TEST(std::memcmp(other->bytes(), t.bytes(), t.byte_size()) == 0, name << ": " << tensor_name << " differs");
        }
        const tensor got = loaded->predict(x, 6);
        BOOST_TEST(largest_difference(got, expected) == 0.0, name);
    }
}

// Keras's weight names: "embeddings" and "alpha", under the layer's name.
BOOST_AUTO_TEST_CASE(weights_carry_keras_names)
{
    auto m = testing::model_from_yaml(file_cases[1].layers, 5);
    const checkpoint state = capture_state(*m, nullptr);
    BOOST_TEST(state.find("embedding/embeddings") != nullptr);
    BOOST_TEST(state.find("p_re_lu/alpha") != nullptr);
}

namespace {

// The config of the first layer of class `class_name` anywhere in `j`.
nlohmann::json* layer_config(nlohmann::json& j, const std::string& class_name)
{
    if (j.is_object()) {
        if (j.contains("class_name") && j["class_name"] == class_name && j.contains("config")) return &j["config"];
        for (auto& [key, value] : j.items()) {
            if (nlohmann::json* found = layer_config(value, class_name)) return found;
        }
    } else if (j.is_array()) {
        for (auto& value : j) {
            if (nlohmann::json* found = layer_config(value, class_name)) return found;
        }
    }
    return nullptr;
}

// The message loading the TF.js model `layers` after `edit` of its model.json.
std::string load_error(const std::string& layers, const std::string& class_name,
                       void (*edit)(nlohmann::json& config))
{
    const plugin_registry plugins = build_plugins();
    auto m = testing::model_from_yaml(layers, 5);
    temp_dir dir;
    save_model(dir.path("web/"), *m, save_request{}, plugins);
    nlohmann::json model;
    std::ifstream(dir.path("web/model.json")) >> model;
    nlohmann::json* config = layer_config(model["modelTopology"], class_name);
    BOOST_TEST_REQUIRE(config != nullptr, "no " << class_name << " in model.json");
    edit(*config);
    std::ofstream(dir.path("web/model.json")) << model.dump();
    backend be;
    try {
        load_model(dir.path("web/"), plugins, be);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(bad_keras_settings_are_refused_naming_the_layer_and_the_key)
{
    const std::string padded = "[{ZeroPadding2D: {padding: 1, input_shape: [3, 3, 1]}, name: pad}]";
    const std::string negative = load_error(padded, "ZeroPadding2D", [](nlohmann::json& c) {
        c["padding"] = {{-1, 1}, {0, 0}};
    });
    BOOST_TEST(contains(negative, "'pad' (ZeroPadding2D): padding: expected an amount >= 0, found -1"), negative);
    const std::string masked = load_error("[{Embedding: {input_dim: 4, output_dim: 2, input_shape: [3]}}]", "Embedding",
                                          [](nlohmann::json& c) { c["mask_zero"] = true; });
    BOOST_TEST(contains(masked, "(Embedding): setting 'mask_zero' = true is not supported by mlrun"), masked);
    const std::string reshaped = load_error("[{Reshape: {target_shape: [9], input_shape: [3, 3]}, name: r}]", "Reshape",
                                            [](nlohmann::json& c) { c["target_shape"] = {4, 2}; });
    BOOST_TEST(contains(reshaped, "layer 'r' (Reshape): target_shape [4, 2] does not hold exactly 9 values"), reshaped);
    const std::string cropped = load_error("[{Cropping2D: {cropping: 0, input_shape: [3, 3, 1]}, name: crop}]",
                                           "Cropping2D", [](nlohmann::json& c) { c["cropping"] = {{2, 1}, {0, 0}}; });
    BOOST_TEST(contains(cropped, "layer 'crop' (Cropping2D): cropping [[2, 1], [0, 0]] removes 3 rows"), cropped);
    const std::string bicubic = load_error("[{UpSampling2D: {input_shape: [3, 3, 1]}, name: up}]", "UpSampling2D",
                                           [](nlohmann::json& c) { c["interpolation"] = "bicubic"; });
    BOOST_TEST(contains(bicubic, "'up' (UpSampling2D): interpolation 'bicubic'; mlrun upsamples with nearest or bilinear"),
               bicubic);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- TensorFlow.js as the oracle

namespace {

using mlrun::testing::tfjs_dir;
using mlrun::testing::tfjs_present;

void run_node(const std::string& script, const std::string& arguments)
{
    const auto ran = testing::run_command("node '" + testing::source_dir() + "/tests/formats/tfjs/" + script + "' '" +
                                          tfjs_dir() + "' " + arguments + " 2>&1");
    BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.output);
}

// The layers whose TF.js classes compute what Keras's do (TF.js's ELU
// takes alpha 1 only, its ReLU max_value only, and it has no
// SpatialDropout2D); weights random, PReLU's alpha included.
const std::vector<layer_case> oracle_cases = {
    {"Conv2D, ZeroPadding2D, Cropping2D, UpSampling2D, Permute, Reshape",
     "[{Conv2D: {filters: 3, kernel_size: 2, input_shape: [5, 4, 2]}}, {ZeroPadding2D: {padding: [[1, 2], [0, 1]]}},"
     " {Cropping2D: {cropping: [[0, 1], [2, 0]]}}, {UpSampling2D: {size: [2, 3]}}, {Permute: {dims: [2, 3, 1]}},"
     " {Reshape: {target_shape: [-1, 4]}}]"},
    {"ELU, ReLU with max_value, PReLU per cell and per channel",
     "[{Conv2D: {filters: 3, kernel_size: 1, input_shape: [3, 3, 2]}}, {ELU: {}}, {Conv2D: {filters: 3, kernel_size: 1}},"
     " {ReLU: {max_value: 0.5}}, {Conv2D: {filters: 3, kernel_size: 1}}, {PReLU: {shared_axes: [1, 2]}},"
     " {Conv2D: {filters: 2, kernel_size: 1}}, {PReLU: {}}]"},
    {"Embedding", "[{Embedding: {input_dim: 11, output_dim: 3, input_shape: [6]}}, {Flatten: {}}, {Dense: {units: 4}}]", 11},
};

void write(const std::string& path, const tensor& t) { write_array(path, t); }

}  // namespace

BOOST_AUTO_TEST_SUITE(tfjs_oracle, *boost::unit_test::precondition(&tfjs_present))

// 1e-5 absolute: TF.js and mlrun sum at most 2 * 2 * 2 + 4 = 12 float32
// products per output in their own orders (round-off ~1e-6 of values of
// size ~1); a misplaced cell, axis or slope moves outputs by 1e-2 or more.
BOOST_DATA_TEST_CASE(tfjs_predicts_what_mlrun_predicts, boost::unit_test::data::make(oracle_cases), c)
{
    const plugin_registry plugins = build_plugins();
    auto m = testing::model_from_yaml(c.layers, 5);
    randomize(*m, 13);
    const tensor x = inputs_for(*m, c, 4, 21);
    backend be;
    const tensor ours = m->forward(be, x, false, 0);
    temp_dir dir;
    save_model(dir.path("web/"), *m, save_request{}, plugins);
    write(dir.path("x.npy"), x);
    run_node("run_tfjs_model.js", "predict '" + dir.path("web") + "' '" + dir.path("x.npy") + "' '" + dir.path("y.npy") + "'");
    const double worst = largest_difference(read_array(dir.path("y.npy")), ours);
    BOOST_TEST_MESSAGE(c.label << ": largest difference " << worst);
    BOOST_TEST(worst <= 1e-5);
}

// Keras's bilinear UpSampling2D is TensorFlow's image.resize, half-pixel
// centres; TF.js's layer resizes without them, so its op is the oracle.
// 1e-6: each output mixes four inputs of size <= 1 with weights in [0, 1].
BOOST_AUTO_TEST_CASE(bilinear_up_sampling_is_resize_with_half_pixel_centres)
{
    auto m = testing::model_from_yaml("[{UpSampling2D: {size: [3, 2], interpolation: bilinear, input_shape: [4, 5, 2]}}]");
    rng gen(4);
    const tensor x = testing::random_tensor({3, 4, 5, 2}, gen);
    backend be;
    const tensor ours = m->forward(be, x, false, 0);
    temp_dir dir;
    write(dir.path("x.npy"), x);
    run_node("run_tfjs_op.js", "resize-bilinear '" + dir.path("x.npy") + "' 12 10 '" + dir.path("y.npy") + "'");
    BOOST_TEST(largest_difference(read_array(dir.path("y.npy")), ours) <= 1e-6);
}

// 1e-5: both subtract a log-sum-exp of 7 terms from values of size <= 8.
BOOST_AUTO_TEST_CASE(log_softmax_is_tfjs_log_softmax)
{
    auto m = testing::model_from_yaml("[{Activation: {activation: log_softmax, input_shape: [7]}}]");
    rng gen(6);
    const tensor x = testing::random_tensor({5, 7}, gen, -8.0f, 8.0f);
    backend be;
    const tensor ours = m->forward(be, x, false, 0);
    temp_dir dir;
    write(dir.path("x.npy"), x);
    run_node("run_tfjs_op.js", "log-softmax '" + dir.path("x.npy") + "' '" + dir.path("y.npy") + "'");
    BOOST_TEST(largest_difference(read_array(dir.path("y.npy")), ours) <= 1e-5);
}

BOOST_AUTO_TEST_SUITE_END()
