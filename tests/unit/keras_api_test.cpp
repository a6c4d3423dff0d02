// The C++ API (mlrun/keras.hpp): the typed specs it is written in are the
// ones the YAML route parses into, and a model built, compiled and trained
// through it is the model an experiment builds and trains.
#define BOOST_TEST_MODULE keras_api
#include <boost/test/unit_test.hpp>

// First, so nothing included before it can hide a YAML include.
#include "mlrun/keras.hpp"
#ifdef YAML_H_62B23520_7C8E_11DE_8A39_0800200C9A66
constexpr bool api_needs_yaml = true;
#else
constexpr bool api_needs_yaml = false;
#endif

#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "optim/optimizer_yaml.hpp"

#include <cstring>
#include <functional>
#include <sstream>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

const char* const tutorial_yaml =
    "- Dense: {units: 16, activation: relu, input_shape: [8]}\n"
    "- Dropout: {rate: 0.2}\n"
    "- Dense: {units: 3, activation: softmax}\n";

keras::model tutorial_model(std::uint64_t seed = 42)
{
    keras::environment env;
    env.seed = seed;
    return keras::sequential({keras::dense(16, "relu"), keras::dropout(0.2f), keras::dense(3, "softmax")}, {8}, env);
}

// 40 samples of 8 features, labels 0..2; fixed, so runs compare.
dataset toy_data()
{
    rng gen(7);
    dataset d;
    d.name = "toy";
    d.x = random_tensor({40, 8}, gen);
    d.y = tensor(dtype::int32, {40});
    for (std::int64_t i = 0; i < 40; ++i) d.y.data<std::int32_t>()[i] = static_cast<std::int32_t>(i % 3);
    return d;
}

bool same_bytes(const tensor& a, const tensor& b)
{
    return a.type() == b.type() && a.dims() == b.dims() && std::memcmp(a.bytes(), b.bytes(), a.byte_size()) == 0;
}

std::string config_error_of(const std::function<void()>& f)
{
    try {
        f();
    } catch (const config_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected a config_error");
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(the_api_headers_need_no_yaml) { BOOST_TEST(!api_needs_yaml); }

// The defaults of the option structs and of the experiment schema are
// Keras's; a layer or optimizer given only its required settings in YAML
// must decode to the default-constructed struct.
BOOST_AUTO_TEST_CASE(typed_defaults_are_the_schema_defaults)
{
    const auto yaml_spec = [](const std::string& item) {
        return encode_layer_spec(parse_model_spec(YAML::Load("[" + item + "]"), "<test>").layers[0].layer);
    };
    const auto typed = [](const layer_options& o) { return encode_layer_spec({"", o}); };
    dense_options dense;
    dense.units = 4;
    BOOST_TEST(YAML::Dump(yaml_spec("{Dense: {units: 4}}")) == YAML::Dump(typed(dense)));
    BOOST_TEST(YAML::Dump(yaml_spec("{BatchNormalization: {}}")) == YAML::Dump(typed(batch_normalization_options{})));
    BOOST_TEST(YAML::Dump(yaml_spec("{Concatenate: {}}")) == YAML::Dump(typed(concatenate_options{})));
    for (const optimizer_spec& spec :
         {optimizer_spec{adam_options{}}, optimizer_spec{sgd_options{}}, optimizer_spec{rmsprop_options{}},
          optimizer_spec{adamw_options{}}, optimizer_spec{nadam_options{}}, optimizer_spec{adagrad_options{}},
          optimizer_spec{adadelta_options{}}, optimizer_spec{adamax_options{}}}) {
        const std::string name = optimizer_classes()[spec.index()].name;
        BOOST_TEST(YAML::Dump(encode_optimizer_settings(parse_optimizer_spec(YAML::Load(name), "<test>"))) ==
                   YAML::Dump(encode_optimizer_settings(spec)), name);
    }
}

// Metrics are logged under the names they were given, as Keras logs them,
// with val_ before them for the validation data.
BOOST_AUTO_TEST_CASE(metrics_are_logged_under_their_names)
{
    const dataset data = toy_data();
    keras::model m = tutorial_model();
    metric_spec top_2 = metric_kind::sparse_top_k_categorical_accuracy;
    top_2.k = 2;
    top_2.name = "top2";
    m.compile({nadam_options{}, loss_kind::sparse_categorical_crossentropy, {"acc", top_2}});
    std::ostringstream quiet;
    keras::fit_arguments args;
    args.epochs = 1;
    args.batch_size = 8;
    args.verbose = 0;
    args.out = &quiet;
    args.validation_data = &data;
    const history h = m.fit(data, args);
    std::vector<std::string> names;
    for (const auto& [name, value] : h.epochs.at(0).values) names.push_back(name);
    BOOST_TEST((names == std::vector<std::string>{"loss", "acc", "top2", "val_loss", "val_acc", "val_top2"}));
    // The true class is in the top 2 whenever it is the top 1.
    BOOST_TEST(*h.epochs[0].get("val_top2") >= *h.epochs[0].get("val_acc"));
}

// The same architecture, written in C++ or YAML, is one spec and one set of
// initial weights for one seed.
BOOST_AUTO_TEST_CASE(a_sequential_model_is_the_yaml_model)
{
    keras::model m = tutorial_model();
    const auto from_yaml = build_model(YAML::Load(tutorial_yaml), "<test>", std::nullopt);
    rng init(derive_seed(42, 0));  // the experiment's initialisation stream
    from_yaml->build(init);
    BOOST_TEST(YAML::Dump(encode_model_spec(m.spec())) == YAML::Dump(encode_model_spec(spec_of(*from_yaml))));
    const auto ours = m.net().parameters();
    const auto theirs = from_yaml->parameters();
    BOOST_TEST_REQUIRE(ours.size() == theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) BOOST_TEST(same_bytes(ours[i]->value, theirs[i]->value));
}

// fit goes through the trainer an experiment uses: the same steps on the
// same data give the same bytes.
BOOST_AUTO_TEST_CASE(fit_trains_as_the_trainer_does)
{
    const dataset data = toy_data();
    keras::model m = tutorial_model();
    m.compile({sgd_options{0.1f, 0.9f, false, {}}, loss_kind::sparse_categorical_crossentropy, {"accuracy"}});
    std::ostringstream quiet;
    keras::fit_arguments args;
    args.epochs = 3;
    args.batch_size = 8;
    args.verbose = 0;
    args.out = &quiet;
    const history h = m.fit(data, args);
    BOOST_TEST(h.epochs.size() == 3u);

    auto reference = build_model(YAML::Load(tutorial_yaml), "<test>", std::nullopt);
    rng init(derive_seed(42, 0));
    reference->build(init);
    backend be;
    trainer t(*reference, be, loss_function(loss_kind::sparse_categorical_crossentropy),
              make_optimizer(YAML::Load("{sgd: {learning_rate: 0.1, momentum: 0.9}}"), "<test>"),
              {metric("accuracy", loss_kind::sparse_categorical_crossentropy, 10)});
    fit_options o;
    o.epochs = 3;
    o.batch_size = 8;
    o.seed = 42;
    t.fit(data, o, {});
    const auto ours = m.net().parameters();
    const auto theirs = reference->parameters();
    for (std::size_t i = 0; i < ours.size(); ++i) BOOST_TEST(same_bytes(ours[i]->value, theirs[i]->value));
    BOOST_TEST(m.evaluate(data, 8).get("loss").value() == t.evaluate(data, 8).get("loss").value());
}

BOOST_AUTO_TEST_CASE(a_graph_names_layers_as_keras_does)
{
    keras::graph g;
    const std::string pixels = g.input({8});
    const std::string a = g.add(keras::dense(4, "relu"), {pixels});
    const std::string b = g.add(keras::dense(4, "tanh").named("b"), {pixels});
    const std::string both = g.add(keras::concatenate(), {a, b});
    const std::string out = g.add(keras::dense(3), {both});
    BOOST_TEST(pixels == "input_1");
    BOOST_TEST(a == "dense");
    BOOST_TEST(both == "concatenate");
    BOOST_TEST(out == "dense_1");
    keras::model m = keras::functional(g);
    BOOST_TEST(!m.net().is_sequential());
    rng gen(3);
    const tensor y = m.predict(random_tensor({5, 8}, gen), 2);
    BOOST_TEST(y.dims() == (shape{5, 3}));
    // The graph survives the YAML codec: same names, same inputs.
    const model_spec back = parse_model_spec(encode_model_spec(m.spec()), "<test>");
    BOOST_TEST(YAML::Dump(encode_model_spec(back)) == YAML::Dump(encode_model_spec(m.spec())));
}

BOOST_AUTO_TEST_CASE(bad_settings_are_refused_naming_the_layer_and_setting)
{
    const std::string units = config_error_of([] { keras::sequential({keras::dense(0)}, {8}); });
    BOOST_TEST(contains(units, "model[0]"), units);
    BOOST_TEST(contains(units, "units must be at least 1, found 0"), units);
    const std::string rate = config_error_of([] { keras::sequential({keras::dense(2), keras::dropout(1.5f)}, {8}); });
    BOOST_TEST(contains(rate, "model[1]: layer 'dropout'"), rate);
    const std::string act = config_error_of([] { keras::sequential({keras::dense(2, "relux")}, {8}); });
    BOOST_TEST(contains(act, "relux"), act);
    keras::graph g;
    g.add(keras::dense(2), {g.input({8})});
    g.add(keras::dense(2), {"dens"});
    const std::string input = config_error_of([&] { keras::functional(g); });
    BOOST_TEST(contains(input, "takes input 'dens', which is not a layer defined before it (did you mean 'dense'?)"),
               input);
    keras::model m = tutorial_model();
    adam_options adam;
    adam.beta_1 = 1.5f;
    const std::string beta = config_error_of([&] { m.compile({adam, loss_kind::sparse_categorical_crossentropy, {}}); });
    BOOST_TEST(contains(beta, "adam: beta_1 must be"), beta);
    BOOST_TEST(contains(beta, "found 1.5"), beta);
    // Typed losses cannot be misspelt; a setting their Keras class lacks is refused.
    loss_spec mse = loss_kind::mean_squared_error;
    mse.label_smoothing = 0.1f;
    const std::string loss = config_error_of([&] { m.compile({adam_options{}, mse, {}}); });
    BOOST_TEST(contains(loss, "loss mean_squared_error has no label_smoothing setting"), loss);
}

// Plugin classes are named by text; one no plugin provides, or a built-in
// class given as a plugin's settings, is refused naming it.
BOOST_AUTO_TEST_CASE(plugin_layer_specs_name_their_class)
{
    const std::string unknown = config_error_of([] {
        keras::sequential({keras::layer(plugin_layer_options{"Scale", {{"factor", "2"}}})}, {4});
    });
    BOOST_TEST(contains(unknown, "model[0]: unknown layer class 'Scale'"), unknown);
    const std::string built_in = config_error_of([] {
        keras::sequential({keras::layer(plugin_layer_options{"Dense", {{"units", "2"}}})}, {4});
    });
    BOOST_TEST(contains(built_in, "'Dense' is a built-in class; give its typed settings"), built_in);
}

// Data that does not fit is refused before the first step, weights untouched.
BOOST_AUTO_TEST_CASE(data_that_does_not_fit_is_refused_before_training)
{
    keras::model m = tutorial_model();
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    const tensor before = m.net().parameters()[0]->value;
    dataset labels = toy_data();
    labels.y.data<std::int32_t>()[17] = 3;
    try {
        m.fit(labels);
        BOOST_FAIL("expected a data_error");
    } catch (const data_error& e) {
        BOOST_TEST(contains(e.what(), "toy: label #17: expected a class from 0 to 2"), e.what());
    }
    dataset wide = toy_data();
    wide.x = tensor({40, 9});
    BOOST_CHECK_THROW(m.fit(wide), data_error);
    BOOST_TEST(same_bytes(before, m.net().parameters()[0]->value));
    keras::model uncompiled = tutorial_model();
    BOOST_CHECK_THROW(uncompiled.fit(toy_data()), model_error);
}

// save / load_model keep architecture, weights, optimizer state and the
// epochs done; save_weights / load_weights the weights alone.
BOOST_AUTO_TEST_CASE(saved_models_load_back_exactly)
{
    temp_directory dir;
    const dataset data = toy_data();
    keras::model m = tutorial_model();
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {"accuracy"}});
    keras::fit_arguments args;
    args.epochs = 2;
    args.verbose = 0;
    m.fit(data, args);
    const std::string file = (dir.path / "model.yaml").string();
    m.save(file);
    keras::model back = keras::load_model(file);
    BOOST_TEST(back.compiled());
    BOOST_TEST(back.epochs_done() == 2);
    BOOST_TEST(back.fitter().get_optimizer().iterations() == m.fitter().get_optimizer().iterations());
    BOOST_TEST(same_bytes(back.predict(data.x), m.predict(data.x)));

    keras::model fresh = tutorial_model(7);
    BOOST_TEST(!same_bytes(fresh.predict(data.x), m.predict(data.x)));
    const std::string weights = (dir.path / "weights" / "w").string();
    m.save_weights(weights);
    fresh.load_weights(weights);
    BOOST_TEST(same_bytes(fresh.predict(data.x), m.predict(data.x)));
    // A TensorFlow checkpoint prefix with a suffix, as Keras's tutorial names it.
    const std::string prefix = (dir.path / "training_1" / "cp.ckpt").string();
    m.save_weights(prefix);
    keras::model other = tutorial_model(9);
    other.load_weights(prefix);
    BOOST_TEST(same_bytes(other.predict(data.x), m.predict(data.x)));
    std::ostringstream table;
    fresh.summary(table);
    BOOST_TEST(contains(table.str(), "dense_1 (Dense)"), table.str());
}
