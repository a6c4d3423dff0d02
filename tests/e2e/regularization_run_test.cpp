// An experiment with regularizers, a constraint, a frozen layer,
// validation_split, class weights and sample weights from a file, on real
// MNIST digits (data/mnist): it trains, validates on the split, leaves the
// frozen layer as it was, and refuses bad values naming the key.
#define BOOST_TEST_MODULE regularization_run
#include <boost/test/unit_test.hpp>

#include "mlrun/core/error.hpp"
#include "train/session.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <cmath>
#include <cstring>
#include <sstream>

using namespace mlrun;

namespace {

std::string experiment_text(const std::string& fit, const std::string& train_extra = "")
{
    return "seed: 3\n"
           "data: {dataset: mnist, path: " + testing::source_dir() + "/data/mnist, train: {take: 400" + train_extra +
           "}, test: {take: 100}, flatten: true}\n"
           "model:\n"
           "  - Dense: {units: 32, activation: relu, input_shape: [784], trainable: false}\n"
           "  - Dense: {units: 16, activation: tanh, kernel_regularizer: {class: l2, l2: 0.001},\n"
           "            activity_regularizer: l1, kernel_constraint: {class: max_norm, max_value: 1.5}}\n"
           "  - Dense: {units: 10, activation: softmax, bias_regularizer: l1_l2}\n"
           "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
           "fit: {epochs: 2, batch_size: 32, verbose: 0, " + fit + "}\n";
}

std::string config_error_of(const std::string& path)
{
    try {
        session s({path, {}, {}, true});
        std::ostringstream quiet;
        s.fit(quiet, {});
    } catch (const config_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected a config_error");
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(an_experiment_with_every_piece_trains)
{
    testing::temp_directory dir;
    std::string weights;
    for (int i = 0; i < 400; ++i) weights += i % 2 == 0 ? "1\n" : "0.5\n";
    const std::string weights_file = dir.write("weights.csv", weights);
    session s({dir.write("exp.yaml", experiment_text("validation_split: 0.25", ", sample_weight: " + weights_file)), {}, {}, true});
    const tensor frozen = s.net().parameters()[0]->value;
    std::ostringstream quiet;
    const history h = s.fit(quiet, {});
    BOOST_TEST_REQUIRE(h.epochs.size() == 2u);
    BOOST_TEST(h.epochs[1].get("val_loss").has_value());
    BOOST_TEST(h.epochs[1].get("loss").value() < h.epochs[0].get("loss").value());
    BOOST_TEST(std::memcmp(frozen.bytes(), s.net().parameters()[0]->value.bytes(), frozen.byte_size()) == 0);
    const tensor& kernel = s.net().parameters()[2]->value;  // the constrained one, [32, 16]
    for (std::int64_t unit = 0; unit < 16; ++unit) {
        double square = 0.0;
        for (std::int64_t in = 0; in < 32; ++in) square += std::pow(kernel.f32()[in * 16 + unit], 2);
        BOOST_TEST(std::sqrt(square) <= 1.5 + 1e-6);
    }
    BOOST_TEST(s.net().regularization_loss() > 0.0);
}

BOOST_AUTO_TEST_CASE(class_weights_train_and_bad_values_are_refused)
{
    testing::temp_directory dir;
    session s({dir.write("exp.yaml", experiment_text("validation: test, class_weight: {0: 2.0, 7: 0.5}")), {}, {}, true});
    std::ostringstream quiet;
    BOOST_TEST(s.fit(quiet, {}).epochs.size() == 2u);

    BOOST_TEST(contains(config_error_of(dir.write("a.yaml", experiment_text("validation_split: 1.0"))),
                        "fit.validation_split: expected a number in [0, 1), found '1.0'"));
    BOOST_TEST(contains(config_error_of(dir.write("b.yaml", experiment_text("class_weight: {10: 1.0}"))),
                        "fit.class_weight: class 10 is not a class of the model's 10 (expected 0 to 9)"));
    BOOST_TEST(contains(config_error_of(dir.write("c.yaml", experiment_text("class_weight: {one: 1.0}"))),
                        "fit.class_weight: expected class indices (0, 1, ...) as keys, found 'one'"));
    BOOST_TEST(contains(config_error_of(dir.write("d.yaml", experiment_text("validation: test, validation_split: 0.5"))),
                        "fit.validation_split: validation data is given as well"));
}
