// The hdf5 format plugin against every real Keras file in the fixtures:
// what it reads (names, shapes, values as MANIFEST.md lists them), the
// same-state pairs agreeing, whole models rebuilding and predicting what
// an independent forward pass over the file's own datasets gives, and
// weights-only files loading into matching models.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/model/saved_model.hpp"

#include <cmath>
#include <cstring>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

checkpoint load(const std::string& relative)
{
    const plugin_registry plugins = build_plugins();
    return format_for_path(plugins, relative).load(fixture(relative));
}

std::vector<float> first_values(const checkpoint& c, const std::string& name, std::size_t count)
{
    const tensor* t = c.find(name);
    BOOST_REQUIRE_MESSAGE(t != nullptr, "no tensor " + name);
    BOOST_REQUIRE(t->type() == dtype::float32);
    return std::vector<float>(t->f32(), t->f32() + std::min<std::int64_t>(count, t->size()));
}

std::int64_t iterations(const checkpoint& c)
{
    const tensor* t = c.find("optimizer/iterations");
    BOOST_REQUIRE_MESSAGE(t != nullptr, "no optimizer/iterations");
    BOOST_REQUIRE(t->type() == dtype::int64);
    BOOST_REQUIRE_EQUAL(t->size(), 1);
    return t->data<std::int64_t>()[0];
}

std::vector<std::string> names(const checkpoint& c)
{
    std::vector<std::string> result;
    for (const auto& entry : c.tensors) result.push_back(entry.first);
    return result;
}

// MANIFEST.md prints 9 significant digits: enough to identify a float32.
void check_prefix(const std::vector<float>& got, const std::vector<float>& expected)
{
    BOOST_REQUIRE_EQUAL(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) BOOST_CHECK_EQUAL(got[i], expected[i]);
}

void check_same_tensors(const checkpoint& a, const checkpoint& b, bool with_optimizer)
{
    std::size_t compared = 0;
    for (const auto& [name, t] : a.tensors) {
        if (!with_optimizer && name.rfind("optimizer/", 0) == 0) continue;
        const tensor* other = b.find(name);
        BOOST_REQUIRE_MESSAGE(other != nullptr, "only one file has " + name);
        BOOST_REQUIRE(other->dims() == t.dims());
        BOOST_CHECK_MESSAGE(std::memcmp(other->bytes(), t.bytes(), t.byte_size()) == 0, name + " differs");
        ++compared;
    }
    BOOST_CHECK_GT(compared, 0u);
}

// ---- an independent forward pass, in double, from the file's datasets

// A Dense layer (kernel, bias, activation), or with `batch_norm` a
// BatchNormalization at inference (kernel = gamma, bias = beta, and the
// moving statistics).
struct dense_step {
    std::string kernel;
    std::string bias;
    std::string activation;
    std::string moving_mean = {};
    std::string moving_variance = {};
    double epsilon = 0.0;
};

struct fixture_model {
    std::string model_file;    // what load_model opens
    std::string weights_file;  // where the datasets below are (the same file, or the .keras's weights)
    std::vector<dense_step> steps;
};

std::vector<double> activate(std::vector<double> z, const std::string& activation)
{
    if (activation == "relu") {
        for (double& v : z) v = std::max(v, 0.0);
    } else if (activation == "sigmoid") {
        for (double& v : z) v = 1.0 / (1.0 + std::exp(-v));
    } else if (activation == "softmax") {
        double top = z[0], sum = 0.0;
        for (double v : z) top = std::max(top, v);
        for (double& v : z) sum += (v = std::exp(v - top));
        for (double& v : z) v /= sum;
    } else {
        BOOST_REQUIRE_EQUAL(activation, "linear");
    }
    return z;
}

std::vector<double> forward(const fixture_model& m, const std::vector<double>& input)
{
    std::vector<double> x = input;
    for (const dense_step& s : m.steps) {
        if (!s.moving_mean.empty()) {
            const std::vector<float> gamma = read_h5_floats(m.weights_file, s.kernel);
            const std::vector<float> beta = read_h5_floats(m.weights_file, s.bias);
            const std::vector<float> mean = read_h5_floats(m.weights_file, s.moving_mean);
            const std::vector<float> variance = read_h5_floats(m.weights_file, s.moving_variance);
            BOOST_REQUIRE_EQUAL(gamma.size(), x.size());
            for (std::size_t j = 0; j < x.size(); ++j) {
                x[j] = gamma[j] * (x[j] - mean[j]) / std::sqrt(static_cast<double>(variance[j]) + s.epsilon) + beta[j];
            }
            continue;
        }
        std::vector<hsize_t> dims;
        const std::vector<float> kernel = read_h5_floats(m.weights_file, s.kernel, &dims);
        const std::vector<float> bias = read_h5_floats(m.weights_file, s.bias);
        BOOST_REQUIRE_EQUAL(dims.size(), 2u);
        BOOST_REQUIRE_EQUAL(dims[0], x.size());
        std::vector<double> z(dims[1]);
        for (std::size_t j = 0; j < dims[1]; ++j) {
            double sum = bias[j];
            for (std::size_t i = 0; i < dims[0]; ++i) sum += x[i] * kernel[i * dims[1] + j];
            z[j] = sum;
        }
        x = activate(z, s.activation);
    }
    return x;
}

std::vector<fixture_model> whole_model_fixtures()
{
    auto mw = [](const std::string& layer, const std::string& scope) {
        return std::pair<std::string, std::string>{"/model_weights/" + layer + "/" + scope + "/kernel:0",
                                                   "/model_weights/" + layer + "/" + scope + "/bias:0"};
    };
    auto step = [](std::pair<std::string, std::string> kb, const std::string& activation) {
        return dense_step{kb.first, kb.second, activation};
    };
    std::vector<fixture_model> list;
    const std::string k1 = fixture("keras1.2.2-mlp/model_keras_1.h5");
    list.push_back({k1, k1,
                    {{"/model_weights/dense_1/dense_1_W:0", "/model_weights/dense_1/dense_1_b:0", "relu"},
                     {"/model_weights/dense_2/dense_2_W:0", "/model_weights/dense_2/dense_2_b:0", "sigmoid"}}});
    const std::string k208 = fixture("keras2.0.8-mlp-no-optimizer/model.h5");
    list.push_back({k208, k208, {step(mw("dense_1", "dense_1"), "relu"), step(mw("dense_2", "dense_2"), "sigmoid")}});
    // Dense(linear) + Activation(f) computes f(Dense).
    const std::string k211 = fixture("keras2.1.1-iris/iris_model.h5");
    list.push_back({k211, k211, {step(mw("dense_1", "dense_1"), "sigmoid"), step(mw("dense_2", "dense_2"), "softmax")}});
    const std::string k231 = fixture("keras2.3.1-iris-dropout/iris_model.h5");
    list.push_back({k231, k231,
                    {step(mw("dense_1", "dense_1"), "relu"), step(mw("dense_2", "dense_2"), "relu"),
                     step(mw("dense_3", "dense_3"), "softmax")}});
    const std::string functional = fixture("keras2.3.1-functional-3layer/keras_3layer.h5");
    list.push_back({functional, functional,
                    {step(mw("fc1_relu", "fc1_relu"), "relu"), step(mw("fc2_relu", "fc2_relu"), "relu"),
                     step(mw("fc3_relu", "fc3_relu"), "relu"), step(mw("output_softmax", "output_softmax"), "softmax")}});
    const std::string mnist = fixture("tf.keras2.2.4-tf-mnist/mnist.h5");
    list.push_back({mnist, mnist, {step(mw("dense_6", "dense_6"), "relu"), step(mw("dense_7", "dense_7"), "softmax")}});
    const std::string xor_model = fixture("tf.keras2.2.4-tf-v1graph-xor/xor.h5");
    list.push_back({xor_model, xor_model,
                    {step(mw("dense", "dense"), "relu"), step(mw("dense_1", "dense_1_1"), "relu"),
                     step(mw("dense_2", "dense_2_1"), "relu"), step(mw("dense_3", "dense_3"), "relu"),
                     step(mw("output", "output"), "sigmoid")}});
    const std::string k210 = fixture("tf.keras2.10.0-iris/iris_model.h5");
    list.push_back({k210, k210, {step(mw("dense", "dense"), "relu"), step(mw("dense_1", "dense_1"), "softmax")}});
    auto k3 = [](const std::string& layer) {
        return std::pair<std::string, std::string>{"/model_weights/" + layer + "/sequential_3/" + layer + "/kernel",
                                                   "/model_weights/" + layer + "/sequential_3/" + layer + "/bias"};
    };
    const std::string k38 = fixture("keras3.8.0-iris-dropout/iris_model.h5");
    list.push_back({k38, k38, {step(k3("dense_9"), "relu"), step(k3("dense_10"), "relu"), step(k3("dense_11"), "softmax")}});
    const std::string archive = fixture("keras3.8.0-iris-dropout/iris_model.keras");
    const std::string extracted = fixture("keras3.8.0-iris-dropout/extracted_model.weights.h5");
    list.push_back({archive, extracted,
                    {{"/layers/dense/vars/0", "/layers/dense/vars/1", "relu"},
                     {"/layers/dense_1/vars/0", "/layers/dense_1/vars/1", "relu"},
                     {"/layers/dense_2/vars/0", "/layers/dense_2/vars/1", "softmax"}}});
    // Keras 3.13: Dense/BatchNormalization/Dropout, HeNormal initialisers, epsilon 0.001.
    auto mlp = [](const std::string& layer, const std::string& var) {
        return "/model_weights/" + layer + "/MLP_MNIST/" + layer + "/" + var;
    };
    auto batch_norm = [&](const std::string& layer) {
        return dense_step{mlp(layer, "gamma"), mlp(layer, "beta"), "linear", mlp(layer, "moving_mean"),
                          mlp(layer, "moving_variance"), 0.001};
    };
    auto dense = [&](const std::string& layer, const std::string& activation) {
        return dense_step{mlp(layer, "kernel"), mlp(layer, "bias"), activation};
    };
    const std::string k313 = fixture("keras3.13.2-mnist-mlp/mnist_mlp.h5");
    list.push_back({k313, k313,
                    {dense("dense", "relu"), batch_norm("batch_normalization"), dense("dense_1", "relu"),
                     batch_norm("batch_normalization_1"), dense("dense_2", "relu"), dense("dense_3", "softmax")}});
    return list;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras_fixtures, *needs_interop_fixtures())

BOOST_AUTO_TEST_CASE(string_attribute_flavours_and_weight_names)
{
    // Fixed-length NULLPAD names (h5py 2), Keras 1 "dense_1_W:0" names.
    BOOST_TEST(names(load("keras1.2.2-mlp/model_keras_1.h5")) ==
                   (std::vector<std::string>{"dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"}),
               boost::test_tools::per_element());
    // Variable-length names (h5py 3) and top_level_model_weights, not a layer.
    BOOST_TEST(names(load("tf.keras2.11.0-weights-only/weights_iteration.h5")) ==
                   (std::vector<std::string>{"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"}),
               boost::test_tools::per_element());
    // Graph-mode scopes: layer dense_1's kernel is stored as dense_1_1/kernel:0.
    const checkpoint xor_model = load("tf.keras2.2.4-tf-v1graph-xor/xor.h5");
    check_prefix(first_values(xor_model, "dense_1/kernel", 4), {-0.208627239f, -0.035746038f, -0.0334494896f, -0.099514477f});
    BOOST_CHECK_EQUAL(iterations(xor_model), 400);
    // Empty weight_names stored as float64 (0,): Dropout, Flatten, InputLayer have no weights.
    BOOST_CHECK_EQUAL(load("keras2.0.0-weights-only-3layer/KERAS_3layer_weights.h5").tensors.size(), 8u);
}

BOOST_AUTO_TEST_CASE(values_and_optimizer_state_as_the_manifest_lists)
{
    const checkpoint k211 = load("keras2.1.1-iris/iris_model.h5");
    check_prefix(first_values(k211, "dense_1/kernel", 4), {0.366418719f, -0.317121327f, 0.31156826f, -0.0650520027f});
    check_prefix(first_values(k211, "dense_2/bias", 3), {-0.609484375f, 0.0103161233f, 0.226380557f});
    BOOST_CHECK_EQUAL(iterations(k211), 7500);
    // training/Adam/Variable:0 .. _7:0 hold the 4 m's, then the 4 v's.
    check_prefix(first_values(k211, "optimizer/dense_1/kernel/m", 2), {0.0462350138f, 0.00229299138f});
    check_prefix(first_values(k211, "optimizer/dense_1/kernel/v", 2), {0.0456637219f, 0.00166461419f});
    check_prefix(first_values(k211, "optimizer/dense_2/bias/v", 3), {0.000514347281f, 0.036710944f, 0.0351905525f});

    // Keras 2.3: m_i_1, v_i_1 and the (1,) vhat placeholders, which are dropped.
    const checkpoint k231 = load("keras2.3.1-iris-dropout/iris_model.h5");
    BOOST_CHECK_EQUAL(iterations(k231), 400);
    check_prefix(first_values(k231, "optimizer/dense_1/kernel/m", 4), {0.0f, 0.018630147f, 0.0f, 0.0f});
    check_prefix(first_values(k231, "optimizer/dense_1/kernel/v", 4), {0.0f, 0.0309986435f, 0.0f, 0.0f});
    BOOST_CHECK_EQUAL(k231.tensors.size(), 6u + 1u + 12u);

    // tf.keras eager: Adam/iter:0, Adam/<var>/m:0 ... v:0
    const checkpoint mnist = load("tf.keras2.2.4-tf-mnist/mnist.h5");
    BOOST_CHECK_EQUAL(iterations(mnist), 9375);
    check_prefix(first_values(mnist, "optimizer/dense_6/bias/m", 1), {-0.000532611448f});
    check_prefix(first_values(mnist, "optimizer/dense_6/bias/v", 1), {1.22858282e-05f});

    const checkpoint k210 = load("tf.keras2.10.0-iris/iris_model.h5");
    BOOST_CHECK_EQUAL(iterations(k210), 750);
    check_prefix(first_values(k210, "dense/bias", 8), {-0.155843243f, 0.307553589f, 0.0f, 0.999820411f, 0.0f,
                                                        -0.991424501f, 0.0f, 0.443976611f});

    // Keras 3 legacy h5: variable paths, iteration + learning_rate, m/v interleaved.
    const checkpoint k38 = load("keras3.8.0-iris-dropout/iris_model.h5");
    BOOST_CHECK_EQUAL(iterations(k38), 420);
    check_prefix(first_values(k38, "dense_9/kernel", 2), {0.108070947f, -0.364735425f});
    check_prefix(first_values(k38, "optimizer/dense_9/kernel/m", 1), {-0.000783995492f});
    check_prefix(first_values(k38, "optimizer/dense_9/kernel/v", 1), {3.51168601e-05f});
    check_prefix(first_values(k38, "optimizer/dense_11/bias/m", 3), {0.00153012632f, -0.00751270447f, 0.00598257687f});

    // Keras 3.13 with BatchNormalization: slots for gamma and beta only, not the moving statistics.
    const checkpoint k313 = load("keras3.13.2-mnist-mlp/mnist_mlp.h5");
    BOOST_CHECK_EQUAL(iterations(k313), 3165);
    check_prefix(first_values(k313, "batch_normalization/gamma", 2), {0.920071959f, 1.07609224f});
    check_prefix(first_values(k313, "batch_normalization/moving_variance", 1), {0.0202393234f});
    check_prefix(first_values(k313, "optimizer/batch_normalization/gamma/m", 1), {0.000449331128f});
    check_prefix(first_values(k313, "optimizer/batch_normalization/beta/v", 1), {1.08057952e-06f});
    check_prefix(first_values(k313, "optimizer/dense_3/bias/m", 1), {-0.000127135369f});
    BOOST_CHECK(k313.find("optimizer/batch_normalization/moving_mean/m") == nullptr);
    BOOST_CHECK_EQUAL(k313.tensors.size(), 16u + 1u + 24u);  // 4 Dense x 2 + 2 BatchNormalization x 4, the counter, 12 trainable x (m, v)
}

BOOST_AUTO_TEST_CASE(compile_settings_and_layouts_are_reported)
{
    const checkpoint k1 = load("keras1.2.2-mlp/model_keras_1.h5");
    BOOST_CHECK_EQUAL(k1.metadata.at("keras_version"), "1.2.2");
    BOOST_CHECK_EQUAL(k1.metadata.at("loss"), "categorical_crossentropy");
    const YAML::Node adam = YAML::Load(k1.metadata.at("optimizer_config"));
    BOOST_CHECK_EQUAL(adam["name"].as<std::string>(), "Adam");
    BOOST_CHECK_EQUAL(adam["config"]["learning_rate"].as<float>(), 0.001f);  // from Keras 1's "lr"
    BOOST_CHECK_EQUAL(adam["config"]["epsilon"].as<float>(), 1e-8f);
    BOOST_CHECK(k1.find("optimizer/iterations") == nullptr);  // compiled but never trained

    const checkpoint k210 = load("tf.keras2.10.0-iris/iris_model.h5");
    // metrics as [[{"class_name": "MeanMetricWrapper", "config": {"name": "accuracy"...}}]]
    BOOST_CHECK_EQUAL(YAML::Load(k210.metadata.at("metrics"))[0].as<std::string>(), "accuracy");
    BOOST_CHECK_EQUAL(YAML::Load(k210.metadata.at("optimizer_config"))["config"]["learning_rate"].as<float>(), 0.01f);

    BOOST_CHECK_EQUAL(load("keras2.3.1-iris-dropout/iris_weight.h5").metadata.at("keras_layout"), "weights only");
    BOOST_CHECK_EQUAL(load("keras3.8.0-iris-dropout/iris_model.keras").metadata.at("keras_layout"), "keras 3 archive");
    BOOST_CHECK_EQUAL(load("keras3.8.0-iris-dropout/extracted_model.weights.h5").metadata.at("keras_layout"),
                      "keras 3 weights");
    BOOST_CHECK(load("keras2.3.1-functional-3layer/keras_3layer.h5").metadata.count("loss") == 0);
}

BOOST_AUTO_TEST_CASE(same_state_pairs_agree)
{
    check_same_tensors(load("keras2.3.1-iris-dropout/iris_weight.h5"), load("keras2.3.1-iris-dropout/iris_model.h5"), false);
    check_same_tensors(load("tf.keras2.2.4-tf-mnist/mnist_weights_only.h5"), load("tf.keras2.2.4-tf-mnist/mnist.h5"), false);
    check_same_tensors(load("keras2.0.0-weights-only-3layer/KERAS_3layer_weights.h5"),
                       load("keras2.3.1-functional-3layer/keras_3layer.h5"), false);
    // Keras 3: legacy .h5 == .keras archive == its weights file, Adam moments and iterations included.
    const checkpoint legacy = load("keras3.8.0-iris-dropout/iris_model.h5");
    const checkpoint archive = load("keras3.8.0-iris-dropout/iris_model.keras");
    check_same_tensors(legacy, archive, true);
    check_same_tensors(archive, legacy, true);
    check_same_tensors(load("keras3.8.0-iris-dropout/extracted_model.weights.h5"), legacy, false);
}

BOOST_AUTO_TEST_CASE(whole_models_rebuild_and_predict_as_their_weights_say)
{
    const plugin_registry plugins = build_plugins();
    backend be(plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    rng gen(11);
    for (const fixture_model& f : whole_model_fixtures()) {
        BOOST_TEST_CONTEXT(f.model_file)
        {
            std::unique_ptr<loaded_model> lm = load_model(f.model_file, plugins, be);
            const std::int64_t width = lm->net().input_shape().element_count();
            const std::int64_t samples = 5;
            tensor x(lm->net().input_shape().with_batch(samples));
            for (std::int64_t i = 0; i < x.size(); ++i) x.f32()[i] = gen.uniform();
            const tensor y = lm->predict(x, 2);
            for (std::int64_t s = 0; s < samples; ++s) {
                const std::vector<double> input(x.f32() + s * width, x.f32() + (s + 1) * width);
                const std::vector<double> expected = forward(f, input);
                BOOST_REQUIRE_EQUAL(static_cast<std::int64_t>(expected.size()), y.dims()[1]);
                for (std::size_t j = 0; j < expected.size(); ++j) {
                    // float32 sums of at most 784 products of values below ~3 are off from the
                    // double sums by well under 1e-5; bounded activations keep that.
                    BOOST_CHECK_SMALL(y.f32()[s * y.dims()[1] + static_cast<std::int64_t>(j)] - expected[j], 2e-5);
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(loaded_models_are_compiled_with_their_optimizer_state)
{
    const plugin_registry plugins = build_plugins();
    backend be(plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    std::unique_ptr<loaded_model> k211 = load_model(fixture("keras2.1.1-iris/iris_model.h5"), plugins, be);
    BOOST_REQUIRE(k211->compiled());
    BOOST_CHECK_EQUAL(k211->loss(), "categorical_crossentropy");
    BOOST_CHECK_EQUAL(k211->fitter().get_optimizer().iterations(), 7500);
    BOOST_CHECK_EQUAL(k211->fitter().get_optimizer().learning_rate(), 0.001f);
    BOOST_CHECK_EQUAL(k211->fitter().get_optimizer().slots()[0][0].f32()[0], 0.0462350138f);
    // Compiled but saved before any step: a fresh optimizer.
    std::unique_ptr<loaded_model> k208 = load_model(fixture("keras2.0.8-mlp-no-optimizer/model.h5"), plugins, be);
    BOOST_REQUIRE(k208->compiled());
    BOOST_CHECK_EQUAL(k208->fitter().get_optimizer().iterations(), 0);
    // Saved uncompiled: predicts, but cannot train.
    std::unique_ptr<loaded_model> functional =
        load_model(fixture("keras2.3.1-functional-3layer/keras_3layer.h5"), plugins, be);
    BOOST_CHECK(!functional->compiled());
    BOOST_CHECK(!functional->net().is_sequential());
    BOOST_CHECK_EQUAL(functional->net().nodes().front().op->name(), "input_1");
    BOOST_CHECK_EXCEPTION(functional->fitter(), model_error, [](const model_error& e) {
        return std::string(e.what()).find("without its loss and optimizer") != std::string::npos;
    });
}

BOOST_AUTO_TEST_CASE(weights_only_files_load_into_matching_models)
{
    const plugin_registry plugins = build_plugins();
    struct case_ {
        std::string file;
        std::string layers;
        std::string dataset;  // one dataset to compare with
        std::string weight;   // the model's weight it must land in
    };
    const std::vector<case_> cases = {
        // Layer names differ (dense_1.. vs dense..): paired by position, as Keras does.
        {"keras2.3.1-iris-dropout/iris_weight.h5",
         "[{Dense: {units: 512, activation: relu, input_shape: [4]}}, {Dense: {units: 512, activation: relu}},"
         " {Dropout: {rate: 0.2}}, {Dense: {units: 3, activation: softmax}}]",
         "/dense_2/dense_2/kernel:0", "dense_1/kernel"},
        {"tf.keras2.2.4-tf-mnist/mnist_weights_only.h5",
         "[{Flatten: {input_shape: [28, 28]}}, {Dense: {units: 128, activation: relu}}, {Dense: {units: 10, activation: softmax}}]",
         "/dense_7/dense_7/bias:0", "dense_1/bias"},
        // Names match: paired by name.
        {"tf.keras2.11.0-weights-only/weights_iteration.h5",
         "[{Dense: {units: 9, activation: relu, input_shape: [9]}}, {Dense: {units: 9, activation: softmax}}]",
         "/dense_1/dense_1/kernel:0", "dense_1/kernel"},
        {"keras2.0.0-weights-only-3layer/KERAS_3layer_weights.h5",
         "[{Input: {shape: [16], name: input_1}}, {Dense: {name: fc1_relu, units: 64, activation: relu}},"
         " {Dense: {name: fc2_relu, units: 32, activation: relu}}, {Dense: {name: fc3_relu, units: 32, activation: relu}},"
         " {Dense: {name: output_softmax, units: 5, activation: softmax}}]",
         "/fc3_relu/fc3_relu/kernel:0", "fc3_relu/kernel"},
        {"keras3.8.0-iris-dropout/extracted_model.weights.h5",
         "[{Dense: {units: 64, activation: relu, input_shape: [4]}}, {Dropout: {rate: 0.2}},"
         " {Dense: {units: 32, activation: relu}}, {Dense: {units: 3, activation: softmax}}]",
         "/layers/dense_2/vars/0", "dense_2/kernel"},
    };
    for (const case_& c : cases) {
        BOOST_TEST_CONTEXT(c.file)
        {
            std::unique_ptr<model> m = model_from(c.layers);
            load_weights(*m, fixture(c.file), plugins);
            const tensor* loaded = nullptr;
            for (const model::node& n : m->nodes()) {
                for (const parameter& p : n.op->parameters()) {
                    if (n.op->name() + "/" + p.name == c.weight) loaded = &p.value;
                }
            }
            BOOST_REQUIRE(loaded != nullptr);
            BOOST_TEST(values_of(*loaded) == read_h5_floats(fixture(c.file), c.dataset), boost::test_tools::per_element());
        }
    }
    // A model the file does not fit: one table naming the tensor, nothing loaded.
    std::unique_ptr<model> wrong = model_from("[{Dense: {units: 256, activation: relu, input_shape: [4]}},"
                                              " {Dense: {units: 512, activation: relu}}, {Dense: {units: 3}}]");
    const std::vector<float> before = values_of(wrong->nodes()[1].op->parameters()[0].value);
    BOOST_CHECK_EXCEPTION(load_weights(*wrong, fixture("keras2.3.1-iris-dropout/iris_weight.h5"), plugins), model_error,
                          [](const model_error& e) {
                              const std::string what = e.what();
                              return what.find("dense/kernel: model expects float32 (4, 256), file has float32 (4, 512)") !=
                                         std::string::npos &&
                                     what.find("iris_weight.h5") != std::string::npos;
                          });
    BOOST_TEST(values_of(wrong->nodes()[1].op->parameters()[0].value) == before, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
