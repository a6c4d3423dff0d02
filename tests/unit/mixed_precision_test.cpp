// Keras's mixed_bfloat16 policy: how it is set (per layer, globally, in
// YAML and in C++), what it computes (bf16 products, float32 master
// weights), that it trains about as well as float32, and that its weights
// are float32 checkpoints any run reads.
#define BOOST_TEST_MODULE mixed_precision
#include <boost/test/unit_test.hpp>

#include "mlrun/keras.hpp"

#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include "experiment/experiment.hpp"
#include "mlrun/abi/mlrun_bf16.h"
#include "mlrun/core/error.hpp"
#include "model/model_yaml.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

keras::model mlp(dtype_policy policy, bf16_mode mode = bf16_mode::emulate)
{
    keras::environment env;
    env.seed = 42;
    env.policy = policy;
    env.bf16 = mode;
    return keras::sequential({keras::dense(32, "relu"), keras::dense(3, "softmax")}, {8}, env);
}

// 240 samples of 8 features whose label is the largest of the first three:
// learnable in a few epochs, fixed so runs compare.
dataset separable_data()
{
    rng gen(11);
    dataset d;
    d.name = "separable";
    d.x = random_tensor({240, 8}, gen);
    d.y = tensor(dtype::int32, {240});
    for (std::int64_t i = 0; i < 240; ++i) {
        const float* row = d.x.f32() + i * 8;
        std::int32_t best = 0;
        for (std::int32_t c = 1; c < 3; ++c) best = row[c] > row[best] ? c : best;
        d.y.data<std::int32_t>()[i] = best;
    }
    return d;
}

keras::fit_arguments quiet(int epochs, std::ostream& out)
{
    keras::fit_arguments args;
    args.epochs = epochs;
    args.batch_size = 16;
    args.verbose = 0;
    args.out = &out;
    return args;
}

std::string file_bytes(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(file, "cannot read " << path);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

bool same_bytes(const tensor& a, const tensor& b)
{
    return a.type() == b.type() && a.dims() == b.dims() && std::memcmp(a.bytes(), b.bytes(), a.byte_size()) == 0;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t occurrences(const std::string& text, const std::string& part)
{
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(policies_have_keras_names)
{
    BOOST_TEST(std::string(dtype_policy_name(dtype_policy::mixed_bfloat16)) == "mixed_bfloat16");
    BOOST_TEST((parse_dtype_policy("float32") == dtype_policy::float32));
    BOOST_TEST((parse_dtype_policy("mixed_bfloat16") == dtype_policy::mixed_bfloat16));
    BOOST_TEST(!parse_dtype_policy("mixed_float16"));  // float16 needs loss scaling; not offered
}

BOOST_AUTO_TEST_CASE(a_layer_policy_beats_the_global_one_and_round_trips_through_yaml)
{
    keras::environment env;
    env.policy = dtype_policy::mixed_bfloat16;
    keras::model m = keras::sequential(
        {keras::dense(4, "relu"), keras::dense(3, "softmax").with_policy(dtype_policy::float32)}, {8}, env);
    const auto& nodes = m.net().nodes();
    BOOST_TEST(nodes[1].op->bf16_products());
    BOOST_TEST(!nodes[2].op->bf16_products());
    // Recorded per layer, as Keras records each layer's dtype.
    const model_spec spec = m.spec();
    BOOST_TEST((spec.layers[0].layer.policy == dtype_policy::mixed_bfloat16));
    BOOST_TEST(!spec.layers[1].layer.policy);
    const YAML::Node yaml = encode_model_spec(spec);
    BOOST_TEST(yaml[0]["Dense"]["dtype_policy"].as<std::string>() == "mixed_bfloat16");
    const model_spec back = parse_model_spec(yaml, "<test>");
    BOOST_TEST((back.layers[0].layer.policy == dtype_policy::mixed_bfloat16));
    BOOST_TEST(!back.layers[1].layer.policy);
}

BOOST_AUTO_TEST_CASE(an_unknown_policy_is_refused_naming_the_layer)
{
    try {
        parse_model_spec(YAML::Load("- Dense: {units: 3, input_shape: [4], dtype_policy: mixed_float16}"), "exp.yaml");
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        const std::string message = e.what();
        BOOST_TEST(contains(message, "exp.yaml:1:"), message);
        BOOST_TEST(contains(message, "model[0].Dense.dtype_policy: 'mixed_float16' is not a dtype policy"), message);
    }
}

BOOST_AUTO_TEST_CASE(the_experiment_takes_the_policy_as_model_dtype_policy)
{
    temp_directory dir;
    const std::string body = "mlrun: 1\nmodel:\n  - Dense: {units: 3, activation: softmax, input_shape: [4]}\n"
                             "compile: {loss: sparse_categorical_crossentropy}\n";
    const std::string file = dir.write("exp.yaml", body);
    BOOST_TEST((load_experiment(file, {}).policy == dtype_policy::float32));
    const experiment e = load_experiment(file, {"model.dtype_policy=mixed_bfloat16", "backend.bf16=native_only"});
    BOOST_TEST((e.policy == dtype_policy::mixed_bfloat16));
    BOOST_TEST((e.bf16 == bf16_mode::native_only));
    BOOST_TEST(e.model.IsSequence());  // the layer list, given as model: [...]
    // The mapping form: the list under model.layers, next to the policy.
    const std::string mapped = dir.write(
        "mapped.yaml", "mlrun: 1\nmodel:\n  dtype_policy: mixed_bfloat16\n  layers:\n"
                       "    - Dense: {units: 3, activation: softmax, input_shape: [4]}\n"
                       "compile: {loss: sparse_categorical_crossentropy}\n");
    BOOST_TEST((load_experiment(mapped, {}).policy == dtype_policy::mixed_bfloat16));
    BOOST_CHECK_THROW(load_experiment(file, {"model.dtype_policy=bfloat16"}), config_error);
    BOOST_CHECK_THROW(load_experiment(file, {"backend.bf16=always"}), config_error);
}

// The products see bf16 inputs; the weights the optimizer updates stay
// float32 (values bf16 cannot hold), and the model still learns.
BOOST_AUTO_TEST_CASE(mixed_bfloat16_trains_close_to_float32_with_float32_master_weights)
{
    const dataset data = separable_data();
    keras::model f32 = mlp(dtype_policy::float32);
    keras::model b16 = mlp(dtype_policy::mixed_bfloat16);
    // Same initial weights: the policy changes no variable.
    for (std::size_t i = 0; i < f32.net().parameters().size(); ++i) {
        BOOST_TEST(same_bytes(f32.net().parameters()[i]->value, b16.net().parameters()[i]->value));
    }
    BOOST_TEST(!same_bytes(f32.predict(data.x), b16.predict(data.x)));  // the products really are rounded
    std::ostringstream out32, out16;
    const keras::compile_options settings{adam_options{}, loss_kind::sparse_categorical_crossentropy, {"accuracy"}};
    f32.compile(settings);
    b16.compile(settings);
    const history h32 = f32.fit(data, quiet(15, out32));
    const history h16 = b16.fit(data, quiet(15, out16));
    const double first = h16.epochs.front().get("loss").value(), last = h16.epochs.back().get("loss").value();
    // Measured: 1.06 -> 0.54 in 15 epochs (float32 the same to two digits).
    BOOST_TEST(last < 0.75 * first, "bf16 loss " << first << " -> " << last);
    // bf16 keeps 8 significant bits: on a run this short the two policies
    // end within a few points of accuracy of each other (measured: 0.904
    // both, loss 0.5425 and 0.5426); 0.05 leaves room without hiding a
    // policy that does not learn (chance is 0.33).
    const double acc32 = f32.evaluate(data, 16).get("accuracy").value();
    const double acc16 = b16.evaluate(data, 16).get("accuracy").value();
    BOOST_TEST(acc32 > 0.8);
    BOOST_TEST(std::fabs(acc16 - acc32) < 0.05, "float32 " << acc32 << ", mixed_bfloat16 " << acc16);
    BOOST_TEST_MESSAGE("accuracy float32 " << acc32 << ", mixed_bfloat16 " << acc16 << "; loss float32 "
                                           << h32.epochs.back().get("loss").value() << ", mixed_bfloat16 " << last);
    BOOST_TEST(std::fabs(last - h32.epochs.back().get("loss").value()) < 0.1);
    // Master weights: float32 values, most of them off bf16's grid.
    const tensor& kernel = b16.net().parameters()[0]->value;
    BOOST_TEST((kernel.type() == dtype::float32));
    std::int64_t off_grid = 0;
    for (std::int64_t i = 0; i < kernel.dims().element_count(); ++i) {
        off_grid += mlrun_bf16_round(kernel.f32()[i]) != kernel.f32()[i] ? 1 : 0;
    }
    BOOST_TEST(off_grid > kernel.dims().element_count() / 2);
}

BOOST_AUTO_TEST_CASE(emulation_is_said_once_and_refused_when_native_only)
{
    const dataset data = separable_data();
    keras::model m = mlp(dtype_policy::mixed_bfloat16);
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    std::ostringstream out;
    m.fit(data, quiet(1, out));
    m.fit(data, quiet(1, out));
    BOOST_TEST(occurrences(out.str(), "mixed_bfloat16: backend 'reference' has no native bf16") == 1u, out.str());

    keras::model strict = mlp(dtype_policy::mixed_bfloat16, bf16_mode::native_only);
    strict.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    std::ostringstream strict_out;
    try {
        strict.fit(data, quiet(1, strict_out));
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "native_only, but backend 'reference' has no native bf16"), e.what());
    }
    // A float32 model says nothing, whatever the mode.
    keras::model plain = mlp(dtype_policy::float32, bf16_mode::native_only);
    plain.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    std::ostringstream plain_out;
    plain.fit(data, quiet(1, plain_out));
    BOOST_TEST(!contains(plain_out.str(), "bf16"));

    // Only layers with products count: Dropout under the policy computes in float32.
    keras::environment env;
    env.policy = dtype_policy::mixed_bfloat16;
    keras::model dropped =
        keras::sequential({keras::dense(32, "relu"), keras::dropout(0.2f), keras::dense(3, "softmax")}, {8}, env);
    dropped.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    std::ostringstream dropped_out;
    dropped.fit(data, quiet(1, dropped_out));
    BOOST_TEST(contains(dropped_out.str(), "the bf16 products of 2 layers are emulated"), dropped_out.str());
}

// The variables are float32 whatever the policy: a bf16 run's checkpoints
// are float32 checkpoints, read by a float32 model unchanged.
BOOST_AUTO_TEST_CASE(a_bf16_runs_weights_load_into_a_float32_model_unchanged)
{
    temp_directory dir;
    const dataset data = separable_data();
    keras::model b16 = mlp(dtype_policy::mixed_bfloat16);
    b16.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    std::ostringstream out;
    b16.fit(data, quiet(2, out));
    for (const std::string name : {"tf/ckpt", "weights.h5"}) {
        BOOST_TEST_CONTEXT(name)
        {
            const std::string path = (dir.path / name).string();
            b16.save_weights(path);
            keras::environment env;
            env.seed = 7;
            keras::model f32 = keras::sequential({keras::dense(32, "relu"), keras::dense(3, "softmax")}, {8}, env);
            f32.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});  // to take the Adam slots too
            f32.load_weights(path);
            for (std::size_t i = 0; i < f32.net().parameters().size(); ++i) {
                BOOST_TEST(same_bytes(f32.net().parameters()[i]->value, b16.net().parameters()[i]->value));
            }
            // Interchangeable: the fp32 model writes the very same .h5 bytes, so
            // every reader of fp32 files reads these unchanged. (A TF checkpoint
            // also holds the architecture, which records the policy.)
            if (name == "weights.h5") {
                const std::string again = (dir.path / "f32-weights.h5").string();
                f32.save_weights(again);
                BOOST_TEST(file_bytes(path) == file_bytes(again));
            }
        }
    }
}

// The policy is part of the architecture: Keras files record it in each
// layer's dtype (tf.keras 2's Policy object in .h5, Keras 3's DTypePolicy in
// .keras), as do mlrun's YAML model files, and every one reads it back.
BOOST_AUTO_TEST_CASE(the_policy_round_trips_through_h5_keras_and_yaml_files)
{
    temp_directory dir;
    keras::environment env;
    env.seed = 3;
    keras::model m = keras::sequential(
        {keras::dense(16, "relu").with_policy(dtype_policy::mixed_bfloat16), keras::dense(3, "softmax")}, {8}, env);
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    const dataset data = separable_data();
    std::ostringstream out;
    m.fit(data, quiet(1, out));
    for (const std::string name : {"model.h5", "model.keras", "model.yaml"}) {
        BOOST_TEST_CONTEXT(name)
        {
            const std::string path = (dir.path / name).string();
            m.save(path);
            keras::model back = keras::load_model(path);
            const model_spec spec = back.spec();
            BOOST_TEST_REQUIRE(spec.layers.size() == 2u);
            BOOST_TEST((spec.layers[0].layer.policy == dtype_policy::mixed_bfloat16));
            BOOST_TEST(!spec.layers[1].layer.policy);
            BOOST_TEST(same_bytes(back.predict(data.x), m.predict(data.x)));  // the same weights, the same products
        }
    }
    // tf.keras 2's form, in the HDF5 file's model_config attribute as written.
    std::ifstream file((dir.path / "model.h5").string(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const bool spaced = contains(bytes, R"("dtype": {"class_name": "Policy", "config": {"name": "mixed_bfloat16"}})");
    const bool compact = contains(bytes, R"("dtype":{"class_name":"Policy","config":{"name":"mixed_bfloat16"}})");
    BOOST_TEST((spaced || compact));
}
