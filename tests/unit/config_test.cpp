// The experiment schema: errors carry file:line:column and suggestions;
// overrides are type-checked.
#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include "experiment/experiment.hpp"
#include "experiment/schema_docs.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "losses/loss_yaml.hpp"
#include "optim/optimizer_yaml.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <boost/filesystem.hpp>

#include <sys/stat.h>

#include <fstream>

using namespace mlrun;
namespace fs = boost::filesystem;

namespace {

const char* const minimal_model =
    "model:\n"
    "  - Dense: {units: 10, activation: softmax, input_shape: [784]}\n"
    "compile: {loss: sparse_categorical_crossentropy}\n";

// Writes `text` to a fresh experiment file and removes it afterwards.
struct experiment_file {
    fs::path path;
    explicit experiment_file(const std::string& text)
        : path(fs::temp_directory_path() / fs::unique_path("mlrun-config-%%%%%%%%.yaml"))
    {
        std::ofstream(path.string()) << text;
    }
    ~experiment_file() { fs::remove(path); }
};

// The message of the config_error that loading `text` throws, with the
// file's path (which every message starts with) replaced by "FILE".
std::string load_error(const std::string& text, const std::vector<std::string>& overrides = {})
{
    experiment_file f(text);
    try {
        load_experiment(f.path.string(), overrides);
    } catch (const config_error& e) {
        std::string message = e.what();
        const std::string path = f.path.string();
        if (message.compare(0, path.size(), path) == 0) message = "FILE" + message.substr(path.size());
        return message;
    }
    BOOST_FAIL("expected a config_error");
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_valid_file_gets_its_defaults)
{
    experiment_file f(std::string("fit: {epochs: 3}\n") + minimal_model);
    const experiment e = load_experiment(f.path.string(), {});
    BOOST_TEST(e.epochs == 3);
    BOOST_TEST(e.batch_size == 32);
    BOOST_TEST(e.backend == "reference");
    BOOST_TEST(e.seed == 42u);
    BOOST_TEST(e.data.path == "data/mnist");
    BOOST_TEST((e.loss.kind == loss_kind::sparse_categorical_crossentropy));
}

BOOST_AUTO_TEST_CASE(unknown_key_names_line_column_and_suggestion)
{
    const std::string m = load_error(std::string(minimal_model) + "fit:\n  epoch: 3\n");
    BOOST_TEST(contains(m, "FILE:5:3: unknown key 'fit.epoch' (did you mean 'fit.epochs'?)"), m);
}

BOOST_AUTO_TEST_CASE(unknown_section_is_an_error)
{
    const std::string m = load_error(std::string(minimal_model) + "fitt: {epochs: 3}\n");
    BOOST_TEST(contains(m, "FILE:4:1: unknown key 'fitt' (did you mean 'fit'?)"), m);
}

BOOST_AUTO_TEST_CASE(wrong_type_names_the_key_and_what_was_found)
{
    const std::string m = load_error(std::string(minimal_model) + "fit:\n  epochs: ten\n");
    BOOST_TEST(contains(m, "FILE:5:11: fit.epochs: expected an integer, found 'ten'"), m);
}

BOOST_AUTO_TEST_CASE(a_choice_outside_the_list_is_refused)
{
    const std::string m = load_error(std::string(minimal_model) + "fit: {validation: tset}\n");
    BOOST_TEST(contains(m, "FILE:4:19: fit.validation: 'tset' is not one of: none, test (did you mean 'test'?)"), m);
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_have_a_position)
{
    const std::string m = load_error("fit: {epochs: 3\nmodel: []\n");
    BOOST_TEST(contains(m, "FILE:2:"), m);
    BOOST_TEST(contains(m, "YAML syntax error"), m);
}

BOOST_AUTO_TEST_CASE(missing_required_keys_are_named)
{
    const std::string m = load_error("fit: {epochs: 3}\n");
    BOOST_TEST(contains(m, "missing required key 'model'"), m);
}

BOOST_AUTO_TEST_CASE(missing_file_is_named)
{
    try {
        load_experiment("/nonexistent/exp.yaml", {});
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "/nonexistent/exp.yaml: no such experiment file"), e.what());
    }
}

BOOST_AUTO_TEST_CASE(overrides_beat_the_file_and_are_checked)
{
    experiment_file f(std::string("fit: {epochs: 3}\nbackend: reference\n") + minimal_model);
    const experiment e = load_experiment(f.path.string(), {"fit.epochs=7", "backend=openblas", "backend.threads=2",
                                                           "data.train.take=500"});
    BOOST_TEST(e.epochs == 7);
    BOOST_TEST(e.backend == "openblas");
    BOOST_TEST(e.threads == 2);
    BOOST_TEST(e.data.train_take == 500);

    const std::string wrong_type = load_error(minimal_model, {"fit.epochs=ten"});
    BOOST_TEST(contains(wrong_type, "fit.epochs: expected an integer, found 'ten'"), wrong_type);
    const std::string unknown = load_error(minimal_model, {"fit.epoch=3"});
    BOOST_TEST(contains(unknown, "unknown key 'fit.epoch' (did you mean 'fit.epochs'?)"), unknown);
    const std::string malformed = load_error(minimal_model, {"fit.epochs"});
    BOOST_TEST(contains(malformed, "expected section.key=value"), malformed);
}

BOOST_AUTO_TEST_CASE(unknown_layer_class_and_layer_key)
{
    const YAML::Node model = YAML::Load("- Dens: {units: 3, input_shape: [4]}\n");
    try {
        build_model(model, "exp.yaml", std::nullopt);
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "exp.yaml:1:3: unknown layer class 'Dens' (did you mean 'Dense'?)"), e.what());
    }
    const YAML::Node typo = YAML::Load("- Dense: {units: 3, input_shape: [4]}\n- Dense: {unit: 3}\n");
    try {
        build_model(typo, "exp.yaml", std::nullopt);
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "exp.yaml:2:11: unknown key 'model[1].Dense.unit' (did you mean "
                                      "'model[1].Dense.units'?)"), e.what());
    }
}

BOOST_AUTO_TEST_CASE(layers_get_keras_automatic_names)
{
    auto m = build_model(YAML::Load("[{Dense: {units: 3, input_shape: [4]}}, {Dropout: {rate: 0.1}},"
                                    " {Dense: {units: 2}}, {Dense: {units: 2}}]"),
                         "exp.yaml", std::nullopt);
    std::vector<std::string> names;
    for (const auto& n : m->nodes()) names.push_back(n.op->name());
    BOOST_TEST((names == std::vector<std::string>{"input", "dense", "dropout", "dense_1", "dense_2"}));
}

BOOST_AUTO_TEST_CASE(graph_inputs_must_exist)
{
    const YAML::Node model = YAML::Load("- {name: in, Input: {shape: [4]}}\n- {Dense: {units: 2}, inputs: [inn]}\n");
    try {
        build_model(model, "exp.yaml", std::nullopt);
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "takes input 'inn', which is not a layer defined before it (did you mean 'in'?)"),
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(automatic_names_follow_keras_snake_case)
{
    BOOST_TEST(default_layer_name("LeakyReLU", 0) == "leaky_re_lu");
    BOOST_TEST(default_layer_name("Dense", 2) == "dense_2");
    BOOST_TEST(default_layer_name("InputLayer", 0) == "input_layer");
}

namespace {

struct config_files {
    testing::temp_directory dir;
    std::string write(const std::string& name, const std::string& text) { return dir.write(name, text); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(extends_merges_mappings_and_replaces_lists)
{
    config_files f;
    f.write("base.yaml", "seed: 1\nfit: {epochs: 5, batch_size: 64}\n"
                         "model: [{Dense: {units: 10, activation: softmax, input_shape: [784]}}]\n"
                         "compile: {loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n");
    f.write("middle.yaml", "extends: base.yaml\nfit: {epochs: 3}\nseed: 2\n");
    const std::string top = f.write("top.yaml", "extends: [middle.yaml]\nfit: {shuffle: false}\ncompile: {metrics: []}\n");
    const experiment e = load_experiment(top, {"seed=9"});
    BOOST_TEST(e.epochs == 3);             // middle beats base
    BOOST_TEST(e.batch_size == 64);        // kept from base
    BOOST_TEST(e.shuffle == false);        // top's own
    BOOST_TEST(e.metrics.empty());         // lists replace
    BOOST_TEST(e.seed == 9u);              // the command line beats every file
    BOOST_TEST(e.source.files().size() == 4u);
}

BOOST_AUTO_TEST_CASE(an_error_in_a_base_file_names_that_file)
{
    config_files f;
    const std::string base = f.write("base.yaml", std::string("fit: {epochs: many}\n") + minimal_model);
    const std::string top = f.write("top.yaml", "extends: base.yaml\nseed: 3\n");
    try {
        load_experiment(top, {});
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), base + ":1:15: fit.epochs: expected an integer, found 'many'"), e.what());
    }
}

BOOST_AUTO_TEST_CASE(extends_cycles_are_reported)
{
    config_files f;
    f.write("a.yaml", "extends: b.yaml\n");
    const std::string b = f.write("b.yaml", "extends: a.yaml\n");
    try {
        load_experiment(b, {});
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "files extend each other in a cycle"), e.what());
    }
}

BOOST_AUTO_TEST_CASE(a_missing_base_is_named)
{
    config_files f;
    const std::string top = f.write("top.yaml", "extends: nowhere.yaml\n");
    try {
        load_experiment(top, {});
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "nowhere.yaml: no such experiment file"), e.what());
    }
}

// Each file extending the next one twice doubled the work per level (2^24
// reads here); every file is now read and merged once.
BOOST_AUTO_TEST_CASE(a_diamond_of_extends_reads_each_file_once)
{
    config_files f;
    const int depth = 24;
    const std::string bottom = f.write("f" + std::to_string(depth) + ".yaml",
                                       std::string("fit: {epochs: many}\n") + minimal_model);
    for (int i = depth - 1; i >= 0; --i) {
        const std::string next = "f" + std::to_string(i + 1) + ".yaml";
        f.write("f" + std::to_string(i) + ".yaml", "extends: [" + next + ", " + next + "]\nseed: " + std::to_string(i) + "\n");
    }
    try {
        load_experiment(f.dir.path.string() + "/f0.yaml", {});
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        // The bad value is still reported where it is.
        BOOST_TEST(contains(e.what(), bottom + ":1:15: fit.epochs: expected an integer, found 'many'"), e.what());
    }
    f.write("f" + std::to_string(depth) + ".yaml", minimal_model);
    const experiment e = load_experiment(f.dir.path.string() + "/f0.yaml", {});
    BOOST_TEST(e.seed == 0u);  // the top file's own value
    BOOST_TEST(e.source.file_for("seed") == f.dir.path.string() + "/f0.yaml");
}

// Opening a FIFO blocks until a writer comes; it is refused instead, as an
// experiment and as a base.
BOOST_AUTO_TEST_CASE(an_experiment_that_is_not_a_regular_file_is_refused)
{
    config_files f;
    const std::string fifo = f.dir.path.string() + "/fifo.yaml";
    BOOST_REQUIRE_EQUAL(mkfifo(fifo.c_str(), 0600), 0);
    for (const std::string& path : {fifo, f.write("top.yaml", "extends: fifo.yaml\n")}) {
        try {
            load_experiment(path, {});
            BOOST_FAIL("expected a config_error");
        } catch (const config_error& e) {
            BOOST_TEST(contains(e.what(), fifo + ": is a FIFO, not a regular file"), e.what());
        }
    }
}

// Aliases that multiply (each level nine of the one before: 9^12 nodes
// from a few hundred bytes) and deep nesting are refused at their position.
BOOST_AUTO_TEST_CASE(yaml_beyond_the_limits_is_refused_with_a_position)
{
    std::string bomb = "seed: 1\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i <= 12; ++i) {
        const std::string prev = "*a" + std::to_string(i - 1);
        bomb += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
        for (int j = 1; j < 9; ++j) bomb += ", " + prev;
        bomb += "]\n";
    }
    const std::string alias_error = load_error(bomb);
    BOOST_TEST(contains(alias_error, "aliases expand to more than 100000 nodes"), alias_error);
    BOOST_TEST(contains(alias_error, "FILE:7:"), alias_error);  // the alias that crosses the limit

    const std::string deep = "seed: " + std::string(200, '[') + std::string(200, ']') + "\n";
    const std::string depth_error = load_error(deep);
    BOOST_TEST(contains(depth_error, "FILE:1:106: YAML syntax error: nested deeper than 100 levels"), depth_error);
    // Within the limits, anchors and aliases work as YAML says.
    const experiment shared = load_experiment(
        experiment_file(std::string(minimal_model) + "fit: {epochs: &n 4, batch_size: *n}\n").path.string(), {});
    BOOST_TEST(shared.epochs == 4);
    BOOST_TEST(shared.batch_size == 4);
}

// The config_error message of `body`.
template <class F>
std::string config_error_of(F body)
{
    try {
        body();
    } catch (const config_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected a config_error");
    return "";
}

// Names with '/' saved fine and read back as other layers (or not at all);
// they are refused with their position before anything is built.
BOOST_AUTO_TEST_CASE(layer_names_follow_keras_rules)
{
    for (const std::string name : {"/abs", "a/b", "../../evil", "", "_x"}) {
        const std::string message = config_error_of([&] {
            build_model(YAML::Load("\n- Dense: {units: 10, input_shape: [784], name: '" + name + "'}\n"), "exp.yaml",
                        std::nullopt);
        });
        BOOST_TEST(contains(message, "exp.yaml:2:"), message);
        BOOST_TEST(contains(message, "model[0].name: '" + name + "' is not a layer name"), message);
    }
    BOOST_CHECK_NO_THROW(build_model(YAML::Load("- Dense: {units: 10, input_shape: [784], name: dense.out-1}"),
                                     "exp.yaml", std::nullopt));
}

// beta_1: -1 with epsilon: 0 trained to a NaN loss and exit 0; a negative
// learning rate was taken. Keras's ranges are checked at file:line:column.
BOOST_AUTO_TEST_CASE(optimizer_settings_outside_keras_ranges_are_refused)
{
    const auto error_of = [](const std::string& optimizer) {
        return config_error_of([&] { make_optimizer(YAML::Load("\n" + optimizer), "exp.yaml"); });
    };
    const std::string beta = error_of("{adam: {beta_1: -1}}");
    BOOST_TEST(contains(beta, "exp.yaml:2:17: compile.optimizer.adam.beta_1: expected a number in [0, 1), found '-1'"), beta);
    const std::string epsilon = error_of("{adam: {epsilon: 0}}");
    BOOST_TEST(contains(epsilon, "compile.optimizer.adam.epsilon: expected a number > 0, found '0'"), epsilon);
    const std::string rate = error_of("{sgd: {learning_rate: -1}}");
    BOOST_TEST(contains(rate, "compile.optimizer.sgd.learning_rate: expected a number >= 0, found '-1'"), rate);
    const std::string momentum = error_of("{rmsprop: {momentum: 1.5}}");
    BOOST_TEST(contains(momentum, "compile.optimizer.rmsprop.momentum: expected a number in [0, 1], found '1.5'"), momentum);
}

// configs/README.md is generated from the schema; this fails when a key
// changes and the file was not regenerated.
BOOST_AUTO_TEST_CASE(configs_readme_matches_the_schema)
{
    std::ifstream in(testing::source_dir() + "/configs/README.md");
    BOOST_REQUIRE_MESSAGE(in, "configs/README.md is missing");
    const std::string checked_in((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BOOST_TEST(checked_in == experiment_reference_markdown(),
               "configs/README.md is out of date: run build/bin/mlrun config keys > configs/README.md");
}

BOOST_AUTO_TEST_CASE(every_shipped_config_is_valid)
{
    for (const char* name : {"mnist.yaml", "fashion_mnist.yaml"}) {
        BOOST_CHECK_NO_THROW(load_experiment(testing::source_dir() + "/configs/" + name, {}));
    }
}

// compile.loss takes Keras's settings as a mapping; one the loss lacks is
// refused at its position, and so is a misspelt name, with a suggestion.
BOOST_AUTO_TEST_CASE(loss_settings_are_typed)
{
    const loss_spec smoothed = parse_loss_spec(YAML::Load("{categorical_crossentropy: {label_smoothing: 0.1}}"), "e.yaml");
    BOOST_TEST((smoothed.kind == loss_kind::categorical_crossentropy));
    BOOST_TEST(smoothed.label_smoothing == 0.1f);
    BOOST_TEST(!smoothed.from_logits);
    BOOST_TEST(loss_text(smoothed) == "{categorical_crossentropy: {from_logits: false, label_smoothing: 0.1}}");
    BOOST_TEST((parse_loss_text(loss_text(smoothed), "meta").label_smoothing == 0.1f));
    BOOST_TEST(loss_text(loss_kind::mean_squared_error) == "mean_squared_error");
    try {
        parse_loss_spec(YAML::Load("\n{mse: {from_logits: true}}"), "e.yaml");
        BOOST_FAIL("expected config_error");
    } catch (const config_error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("e.yaml:2:") != std::string::npos, message);
        BOOST_TEST(message.find("from_logits") != std::string::npos, message);
    }
    try {
        parse_loss_spec(YAML::Load("categorical_crosentropy"), "e.yaml");
        BOOST_FAIL("expected config_error");
    } catch (const config_error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("e.yaml:1:1: compile.loss: unknown loss") != std::string::npos, message);
        BOOST_TEST(message.find("did you mean 'categorical_crossentropy'") != std::string::npos, message);
    }
}
