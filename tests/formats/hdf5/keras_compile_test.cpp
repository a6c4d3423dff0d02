// The Keras translation of compile settings for the optimizers and losses
// beyond Adam, SGD, RMSprop and the crossentropies: Keras's class names and
// settings in, mlrun's keys and slot names (Keras 3's variable words) out.
#include "keras_interop.hpp"
#include "interop/keras/keras3.hpp"

#include <boost/test/unit_test.hpp>

using namespace mlrun::keras_h5;

namespace {

compile_spec translate(const std::string& training_config)
{
    return compile_from_keras(json::parse(training_config), "optimizer_config", "<test>");
}

}  // namespace

BOOST_AUTO_TEST_CASE(keras_3_optimizers_translate_with_their_settings_and_slots)
{
    const compile_spec adagrad = translate(
        R"({"loss": "mae", "optimizer_config": {"class_name": "Adagrad", "config": {"name": "adagrad",
            "learning_rate": 0.01, "initial_accumulator_value": 0.2, "epsilon": 1e-07}}})");
    BOOST_TEST(adagrad.optimizer_class == "Adagrad");
    BOOST_TEST(adagrad.optimizer_settings["initial_accumulator_value"].as<float>() == 0.2f);
    BOOST_TEST((adagrad.slot_names() == std::vector<std::string>{"accumulator"}));
    BOOST_TEST(adagrad.loss == "mae");

    const compile_spec adadelta = translate(
        R"({"optimizer_config": {"class_name": "Adadelta", "config": {"learning_rate": 1.0, "rho": 0.9}}})");
    BOOST_TEST(adadelta.optimizer_settings["rho"].as<float>() == 0.9f);
    BOOST_TEST((adadelta.slot_names() == std::vector<std::string>{"accumulated_grad", "accumulated_delta_var"}));

    BOOST_TEST((translate(R"({"optimizer_config": {"class_name": "Nadam", "config": {"beta_1": 0.8}}})").slot_names() ==
                std::vector<std::string>{"momentum", "velocity"}));
    BOOST_TEST((translate(R"({"optimizer_config": {"class_name": "Adamax", "config": {}}})").slot_names() ==
                std::vector<std::string>{"momentum", "norm"}));
    // A setting the class does not have in mlrun is still refused by name.
    BOOST_CHECK_THROW(translate(R"({"optimizer_config": {"class_name": "Adamax", "config": {"amsgrad": true}}})"),
                      format_error);
}

BOOST_AUTO_TEST_CASE(keras_loss_classes_translate_to_mlrun_names)
{
    BOOST_TEST(translate(R"({"loss": {"class_name": "KLDivergence", "config": {}}})").loss == "kl_divergence");
    BOOST_TEST(translate(R"({"loss": {"class_name": "MeanAbsolutePercentageError", "config": {}}})").loss ==
               "mean_absolute_percentage_error");
    BOOST_TEST(translate(R"({"loss": {"class_name": "LogCosh", "config": {}}})").loss == "log_cosh");
    BOOST_TEST(translate(R"({"loss": {"class_name": "Huber", "config": {"delta": 1.0}}})").loss == "huber");
    BOOST_TEST(translate(R"({"loss": {"class_name": "Huber", "config": {"delta": 2.5}}})").loss == "{huber: {delta: 2.5}}");
    BOOST_CHECK_THROW(translate(R"({"loss": {"class_name": "CosineSimilarity", "config": {"axis": 1}}})"), format_error);
    const compile_spec auc = translate(R"({"metrics": [{"class_name": "AUC", "config": {"name": "auc"}}]})");
    BOOST_REQUIRE_EQUAL(auc.metrics.size(), 1u);
    BOOST_TEST(auc.metrics[0].Scalar() == "auc");
}

BOOST_AUTO_TEST_CASE(the_options_of_every_optimizer_survive_a_keras_file)
{
    // Keras 3 writes clipping, weight decay and the moving average on every optimizer.
    const compile_spec read = translate(
        R"({"optimizer_config": {"class_name": "SGD", "config": {"learning_rate": 0.1, "momentum": 0.0,
            "weight_decay": 0.004, "clipnorm": 1.5, "clipvalue": null, "global_clipnorm": null,
            "use_ema": true, "ema_momentum": 0.9, "ema_overwrite_frequency": 3}}})");
    BOOST_TEST(read.optimizer_settings["clipnorm"].as<float>() == 1.5f);
    BOOST_TEST(read.optimizer_settings["weight_decay"].as<float>() == 0.004f);
    BOOST_TEST(read.optimizer_settings["use_ema"].as<bool>());
    BOOST_TEST(read.optimizer_settings["ema_momentum"].as<float>() == 0.9f);
    BOOST_TEST(read.optimizer_settings["ema_overwrite_frequency"].as<int>() == 3);
    BOOST_TEST(!read.optimizer_settings["clipvalue"].IsDefined());

    // Written back, nothing is lost: the same settings read again.
    const compile_spec again = compile_from_keras(keras_training_config(read), "optimizer_config", "<test>");
    for (const char* key : {"clipnorm", "weight_decay", "ema_momentum"}) {
        BOOST_TEST(again.optimizer_settings[key].as<float>() == read.optimizer_settings[key].as<float>(), key);
    }
    BOOST_TEST(again.optimizer_settings["use_ema"].as<bool>());
    BOOST_TEST(again.optimizer_settings["ema_overwrite_frequency"].as<int>() == 3);

    // Options that are off are left out, so files without them stay as they were.
    const compile_spec plain = translate(R"({"optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.001}}})");
    const json written = keras_training_config(plain)["optimizer_config"]["config"];
    for (const char* key : {"clipnorm", "clipvalue", "global_clipnorm", "weight_decay", "use_ema", "ema_momentum"}) {
        BOOST_TEST(!written.contains(key), key);
    }
}

// compile(weighted_metrics=[...]) as tf.keras 2 and Keras 3 write it: the
// list beside `metrics` (null when there are none), read back as written.
BOOST_AUTO_TEST_CASE(weighted_metrics_are_read_and_written_as_keras_writes_them)
{
    const compile_spec read = translate(
        R"({"loss": "binary_crossentropy", "metrics": ["accuracy"], "weighted_metrics": ["accuracy",
            {"class_name": "AUC", "config": {"name": "pr_auc", "num_thresholds": 200, "curve": "PR"}}],
            "optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.001}}})");
    BOOST_TEST_REQUIRE(read.metrics.size() == 1u);
    BOOST_TEST_REQUIRE(read.weighted_metrics.size() == 2u);
    BOOST_TEST(read.weighted_metrics[0].as<std::string>() == "accuracy");
    BOOST_TEST(read.weighted_metrics[1].IsMap());

    const json h5 = keras_training_config(read);
    BOOST_TEST(h5.at("weighted_metrics").is_array());
    BOOST_TEST(h5.at("weighted_metrics").at(0) == "accuracy");
    BOOST_TEST(h5.at("weighted_metrics").at(1).at("class_name") == "AUC");
    const compile_spec again = compile_from_keras(h5, "optimizer_config", "<test>");
    BOOST_TEST(again.weighted_metrics.size() == 2u);
    BOOST_TEST(YAML::Dump(again.weighted_metrics[1]) == YAML::Dump(read.weighted_metrics[1]));

    const json compile = keras3_compile_config(read);
    BOOST_TEST_REQUIRE(compile.at("weighted_metrics").is_array());
    BOOST_TEST(compile.at("weighted_metrics").at(0) == "accuracy");
    BOOST_TEST(compile_from_keras(compile, "optimizer", "<test>").weighted_metrics.size() == 2u);

    const compile_spec none = translate(R"({"metrics": ["accuracy"], "weighted_metrics": null,
        "optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.001}}})");
    BOOST_TEST(none.weighted_metrics.empty());
    BOOST_TEST(keras_training_config(none).at("weighted_metrics").is_null());
}

// Compile settings without a known optimizer cannot become Keras's
// training_config: a clear error, not a null dereference.
BOOST_AUTO_TEST_CASE(an_optimizer_without_a_keras_form_is_refused_by_name)
{
    compile_spec spec;
    spec.optimizer_class = "nosuch";
    try {
        keras_training_config(spec);
        BOOST_FAIL("expected a format_error");
    } catch (const format_error& e) {
        BOOST_TEST(std::string(e.what()).find("optimizer 'nosuch' has no Keras form") != std::string::npos, e.what());
    }
}
