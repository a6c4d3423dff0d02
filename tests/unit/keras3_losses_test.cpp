// The losses beyond the crossentropies and MSE: values against Keras 3's
// formulas (keras/src/losses/losses.py) worked by hand and against
// TensorFlow.js's losses, gradients against finite differences, settings
// and the check that the data's targets fit the loss.
//
// Without node or TF.js the TF.js cases report themselves skipped.
#define BOOST_TEST_MODULE keras3_losses
#include <boost/test/unit_test.hpp>

#include "losses/loss_yaml.hpp"
#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/losses/loss.hpp"
#include "support/run_command.hpp"
#include "support/tfjs_oracle.hpp"
#include "support/test_models.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <vector>

using namespace mlrun;
namespace tt = boost::test_tools;

namespace {

using rows = std::vector<std::vector<float>>;

tensor from_rows(const rows& r)
{
    tensor t({static_cast<std::int64_t>(r.size()), static_cast<std::int64_t>(r[0].size())});
    for (std::size_t i = 0; i < r.size(); ++i) {
        for (std::size_t j = 0; j < r[i].size(); ++j) t.f32()[i * r[i].size() + j] = r[i][j];
    }
    return t;
}

// A linear model whose output is the loss's input: Dense 3 -> width.
struct scored {
    std::unique_ptr<model> m;
    backend be;
    loss_function loss;

    scored(const loss_spec& spec, std::int64_t width)
        : m(testing::model_from_yaml("[{Dense: {units: " + std::to_string(width) + ", input_shape: [3]}}]")),
          loss(spec)
    {
        loss.attach(*m);
    }
    // The mean loss of `pred` against `targets` (the output's gradient in m->output_grad()).
    double mean(const tensor& pred, const tensor& targets, bool gradient = false)
    {
        return loss.compute(be, *m, pred, targets, gradient) / static_cast<double>(pred.dims()[0]);
    }
};

double mean_loss(const loss_spec& spec, const rows& pred, const rows& targets)
{
    scored s(spec, static_cast<std::int64_t>(pred[0].size()));
    return s.mean(from_rows(pred), from_rows(targets));
}

std::string json_rows(const rows& r)
{
    std::string text = "[";
    for (std::size_t i = 0; i < r.size(); ++i) {
        text += i == 0 ? "[" : ",[";
        for (std::size_t j = 0; j < r[i].size(); ++j) text += (j == 0 ? "" : ",") + std::to_string(r[i][j]);
        text += "]";
    }
    return text + "]";
}

using mlrun::testing::tfjs_dir;
using mlrun::testing::tfjs_present;

double tfjs_loss(const std::string& name, float delta, const rows& pred, const rows& targets)
{
    const auto ran = testing::run_command("node '" + testing::source_dir() + "/tests/unit/tfjs/loss_values.js' '" +
                                          tfjs_dir() + "' " + name + " " + std::to_string(delta) + " '" +
                                          json_rows(pred) + "' '" + json_rows(targets) + "'");
    BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.output);
    const std::size_t at = ran.output.rfind("{\"value\":");
    BOOST_TEST_REQUIRE(at != std::string::npos, ran.output);
    return std::stod(ran.output.substr(at + 9));
}

// Predictions and targets each loss takes: real values, probabilities
// (rows summing to 1), positive rates and -1/1 labels.
const rows real_pred = {{0.3f, -1.2f, 2.0f}, {0.9f, 0.1f, -0.4f}, {-2.5f, 1.5f, 0.2f}, {1.1f, 0.8f, 0.0f}};
const rows real_true = {{0.5f, -1.0f, 0.2f}, {1.0f, 0.4f, 0.3f}, {-2.0f, 3.0f, 0.1f}, {1.2f, -1.0f, 0.5f}};
const rows prob_pred = {{0.2f, 0.5f, 0.3f}, {0.7f, 0.2f, 0.1f}, {0.15f, 0.05f, 0.8f}, {0.3f, 0.3f, 0.4f}};
const rows prob_true = {{0.0f, 1.0f, 0.0f}, {0.6f, 0.3f, 0.1f}, {0.0f, 0.0f, 1.0f}, {1.0f, 0.0f, 0.0f}};
const rows sign_true = {{1.0f, -1.0f, 1.0f}, {-1.0f, -1.0f, 1.0f}, {1.0f, 1.0f, -1.0f}, {-1.0f, 1.0f, 1.0f}};
const rows rate_pred = {{0.5f, 1.5f, 2.0f}, {0.2f, 3.0f, 1.0f}, {4.0f, 0.1f, 0.9f}, {1.0f, 1.0f, 2.5f}};
const rows count_true = {{0.0f, 2.0f, 1.0f}, {1.0f, 3.0f, 0.0f}, {5.0f, 0.0f, 1.0f}, {2.0f, 1.0f, 3.0f}};

struct oracle_case {
    const char* mlrun_name;
    const char* tfjs_name;
    const rows& pred;
    const rows& targets;
};

const oracle_case oracle_cases[] = {
    {"mean_absolute_error", "meanAbsoluteError", real_pred, real_true},
    {"mean_absolute_percentage_error", "meanAbsolutePercentageError", real_pred, real_true},
    {"mean_squared_logarithmic_error", "meanSquaredLogarithmicError", rate_pred, count_true},
    {"log_cosh", "logcosh", real_pred, real_true},
    {"kl_divergence", "kullbackLeiblerDivergence", prob_pred, prob_true},
    {"poisson", "poisson", rate_pred, count_true},
    {"hinge", "hinge", real_pred, sign_true},
    {"squared_hinge", "squaredHinge", real_pred, sign_true},
    {"categorical_hinge", "categoricalHinge", prob_pred, prob_true},
    {"cosine_similarity", "cosineProximity", real_pred, real_true},
    {"huber", "huber", real_pred, real_true},
};

}  // namespace

// ---- values by hand, from Keras 3's formulas

BOOST_AUTO_TEST_CASE(values_by_hand)
{
    // One sample, errors p - t = (1, -3): MAE 2; huber (delta 1) (0.5 + 2.5) / 2 = 1.5,
    // with delta 2: (0.5 + (6 - 2)) / 2 = 2.25; log_cosh (log cosh 1 + log cosh 3) / 2.
    const rows p = {{2.0f, -1.0f}}, t = {{1.0f, 2.0f}};
    BOOST_TEST(mean_loss(loss_kind::mean_absolute_error, p, t) == 2.0, tt::tolerance(1e-6));
    BOOST_TEST(mean_loss(loss_kind::huber, p, t) == 1.5, tt::tolerance(1e-6));
    loss_spec wide = loss_kind::huber;
    wide.delta = 2.0f;
    BOOST_TEST(mean_loss(wide, p, t) == 2.25, tt::tolerance(1e-6));
    BOOST_TEST(mean_loss(loss_kind::log_cosh, p, t) == (std::log(std::cosh(1.0)) + std::log(std::cosh(3.0))) / 2,
               tt::tolerance(1e-6));
    // MAPE: 100 * (|1 / 1| + |3 / 2|) / 2 = 125.
    BOOST_TEST(mean_loss(loss_kind::mean_absolute_percentage_error, p, t) == 125.0, tt::tolerance(1e-6));
    // Hinge with 0/1 labels: Keras reads 0 as -1. p = (0.5, 0.25), t = (1, 0):
    // margins max(0, 1 - 0.5) = 0.5 and max(0, 1 + 0.25) = 1.25: hinge 0.875,
    // squared (0.25 + 1.5625) / 2 = 0.90625.
    const rows hp = {{0.5f, 0.25f}}, ht = {{1.0f, 0.0f}};
    BOOST_TEST(mean_loss(loss_kind::hinge, hp, ht) == 0.875, tt::tolerance(1e-6));
    BOOST_TEST(mean_loss(loss_kind::squared_hinge, hp, ht) == 0.90625, tt::tolerance(1e-6));
    // categorical_hinge: pos = 0.5, neg = max(0, 0.25) = 0.25: max(0, 0.25 - 0.5 + 1) = 0.75.
    BOOST_TEST(mean_loss(loss_kind::categorical_hinge, hp, ht) == 0.75, tt::tolerance(1e-6));
    // cosine_similarity of (1, 0) and (1, 1): -1 / sqrt(2); of parallel vectors -1.
    BOOST_TEST(mean_loss(loss_kind::cosine_similarity, {{1.0f, 0.0f}}, {{1.0f, 1.0f}}) == -1.0 / std::sqrt(2.0),
               tt::tolerance(1e-6));
    BOOST_TEST(mean_loss(loss_kind::cosine_similarity, {{2.0f, 4.0f}}, {{1.0f, 2.0f}}) == -1.0, tt::tolerance(1e-6));
    // KLD: t = (0.5, 0.5), p = (0.25, 0.75): 0.5 log 2 + 0.5 log(2/3).
    BOOST_TEST(mean_loss(loss_kind::kl_divergence, {{0.25f, 0.75f}}, {{0.5f, 0.5f}}) ==
                   0.5 * std::log(2.0) + 0.5 * std::log(2.0 / 3.0),
               tt::tolerance(1e-6));
    // Poisson: p = 2, t = 1: 2 - log 2. MSLE: p = e - 1, t = 0 (floored at 1e-7): (1 - log1p(1e-7))^2.
    BOOST_TEST(mean_loss(loss_kind::poisson, {{2.0f}}, {{1.0f}}) == 2.0 - std::log(2.0), tt::tolerance(1e-6));
    BOOST_TEST(mean_loss(loss_kind::mean_squared_logarithmic_error, {{static_cast<float>(std::exp(1.0) - 1.0)}}, {{0.0f}}) ==
                   std::pow(1.0 - std::log1p(1e-7), 2),
               tt::tolerance(1e-6));
}

// float32 against float32 in another order of operations: 1e-5 relative.
BOOST_AUTO_TEST_CASE(values_match_tfjs, *boost::unit_test::precondition(tfjs_present))
{
    for (const oracle_case& c : oracle_cases) {
        BOOST_TEST_CONTEXT(c.mlrun_name)
        {
            const loss_spec spec = parse_loss(c.mlrun_name);
            BOOST_TEST(mean_loss(spec, c.pred, c.targets) == tfjs_loss(c.tfjs_name, 1.0f, c.pred, c.targets),
                       tt::tolerance(1e-5));
        }
    }
    loss_spec huber = loss_kind::huber;
    huber.delta = 0.5f;
    BOOST_TEST(mean_loss(huber, real_pred, real_true) == tfjs_loss("huber", 0.5f, real_pred, real_true),
               tt::tolerance(1e-5));
}

// Central differences around float32 predictions: a step of 1e-3 leaves a
// truncation error of about 1e-6 and float32 rounding of the loss (6e-8
// relative, divided by the step) about 3e-5 of the loss's size; 2e-3
// absolute plus 2e-3 relative covers both for MAPE's gradients of ~100 too.
// Inputs stay away from the kinks (hinge margins of 0, |error| = delta,
// ties in categorical_hinge's maximum, clipping bounds).
BOOST_AUTO_TEST_CASE(gradients_match_finite_differences)
{
    for (const oracle_case& c : oracle_cases) {
        BOOST_TEST_CONTEXT(c.mlrun_name)
        {
            const loss_spec spec = parse_loss(c.mlrun_name);
            scored s(spec, 3);
            tensor pred = from_rows(c.pred);
            const tensor targets = from_rows(c.targets);
            s.mean(pred, targets, true);
            const tensor analytic = s.m->output_grad();
            for (std::int64_t i = 0; i < pred.size(); ++i) {
                const float kept = pred.f32()[i];
                const float high = kept + 1e-3f, low = kept - 1e-3f;  // the float32 points actually taken
                pred.f32()[i] = high;
                const double up = s.mean(pred, targets);
                pred.f32()[i] = low;
                const double down = s.mean(pred, targets);
                pred.f32()[i] = kept;
                const double numeric = (up - down) / (static_cast<double>(high) - static_cast<double>(low));
                BOOST_TEST_CONTEXT("prediction #" << i << ": analytic " << analytic.f32()[i] << ", numeric " << numeric)
                {
                    BOOST_TEST(std::fabs(analytic.f32()[i] - numeric) <= 2e-3 + 2e-3 * std::fabs(numeric));
                }
            }
        }
    }
}

// ---- names and settings

BOOST_AUTO_TEST_CASE(keras_names_and_aliases)
{
    BOOST_TEST(int(parse_loss("mae")) == int(loss_kind::mean_absolute_error));
    BOOST_TEST(int(parse_loss("mape")) == int(loss_kind::mean_absolute_percentage_error));
    BOOST_TEST(int(parse_loss("msle")) == int(loss_kind::mean_squared_logarithmic_error));
    BOOST_TEST(int(parse_loss("kld")) == int(loss_kind::kl_divergence));
    BOOST_TEST(int(parse_loss("kullback_leibler_divergence")) == int(loss_kind::kl_divergence));
    BOOST_TEST(int(parse_loss("logcosh")) == int(loss_kind::log_cosh));
    BOOST_TEST(loss_name(loss_kind::log_cosh) == "log_cosh");
    BOOST_TEST(loss_name(loss_kind::mean_absolute_error) == "mean_absolute_error");
}

BOOST_AUTO_TEST_CASE(settings_round_trip_and_are_checked)
{
    const loss_spec huber = parse_loss_text("{huber: {delta: 2.5}}", "<test>");
    BOOST_TEST(huber.delta == 2.5f);
    BOOST_TEST(loss_text(huber) == "{huber: {delta: 2.5}}");
    BOOST_TEST(loss_text(loss_kind::huber) == "huber");
    BOOST_TEST(parse_loss_text("{cosine_similarity: {axis: -1}}", "<test>").axis == -1);
    BOOST_CHECK_THROW(parse_loss_text("{cosine_similarity: {axis: 0}}", "<test>"), config_error);
    BOOST_CHECK_THROW(parse_loss_text("{huber: {delta: 0}}", "<test>"), config_error);
    BOOST_CHECK_THROW(parse_loss_text("{mae: {delta: 2}}", "<test>"), config_error);
    loss_spec wrong = loss_kind::hinge;
    wrong.delta = 3.0f;
    BOOST_CHECK_THROW(loss_function{wrong}, config_error);
}

// ---- targets that do not fit: refused before training, naming a loss that fits

namespace {

std::string refusal(loss_kind kind, const tensor& targets, const shape& output)
{
    try {
        loss_function(kind).check_targets_fit(output, targets);
    } catch (const data_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(targets_that_do_not_fit_name_a_loss_that_does)
{
    tensor labels(dtype::int32, {4});
    const std::string for_labels = refusal(loss_kind::mean_absolute_error, labels, shape({3}));
    BOOST_TEST(for_labels.find("sparse_categorical_crossentropy") != std::string::npos, for_labels);

    const std::string real_for_kld = refusal(loss_kind::kl_divergence, from_rows(real_true), shape({3}));
    BOOST_TEST(real_for_kld.find("targets in [0, 1]") != std::string::npos, real_for_kld);
    BOOST_TEST(real_for_kld.find("mean_squared_error") != std::string::npos, real_for_kld);

    const std::string negative_counts = refusal(loss_kind::poisson, from_rows(real_true), shape({3}));
    BOOST_TEST(negative_counts.find("mean_squared_error") != std::string::npos, negative_counts);

    const std::string zeros_for_mape =
        refusal(loss_kind::mean_absolute_percentage_error, from_rows({{1.0f, 0.0f}}), shape({2}));
    BOOST_TEST(zeros_for_mape.find("mean_absolute_error") != std::string::npos, zeros_for_mape);

    const std::string probabilities_for_hinge = refusal(loss_kind::hinge, from_rows(prob_true), shape({3}));
    BOOST_TEST(probabilities_for_hinge.find("binary_crossentropy") != std::string::npos, probabilities_for_hinge);
    const std::string mixed_hinge = refusal(loss_kind::hinge, from_rows({{0.0f, -1.0f, 1.0f}}), shape({3}));
    BOOST_TEST(mixed_hinge.find("not both 0 and -1") != std::string::npos, mixed_hinge);

    BOOST_TEST(refusal(loss_kind::hinge, from_rows(sign_true), shape({3})).empty());
    BOOST_TEST(refusal(loss_kind::hinge, from_rows({{0.0f, 1.0f}}), shape({2})).empty());
    BOOST_TEST(refusal(loss_kind::poisson, from_rows(count_true), shape({3})).empty());
    BOOST_TEST(refusal(loss_kind::kl_divergence, from_rows(prob_true), shape({3})).empty());
}
