// Metrics as Keras's stateful metrics: each streams over the batches of an
// epoch and reports the value over every sample seen (not a mean of batch
// means). Values against hand-computed ones and TensorFlow.js's
// tf.metrics; settings, names and errors as experiment files give them.
//
// Without node or TF.js the TF.js cases report themselves skipped.
#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include "metrics/metric_yaml.hpp"
#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/training_state.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/metrics/metric.hpp"
#include "support/tfjs_oracle.hpp"
#include "support/run_command.hpp"
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

tensor labels(const std::vector<std::int32_t>& l)
{
    tensor t(dtype::int32, {static_cast<std::int64_t>(l.size())});
    for (std::size_t i = 0; i < l.size(); ++i) t.data<std::int32_t>()[i] = l[i];
    return t;
}

// The metric's result after streaming the batches (pred, targets) in order.
double streamed(const metric_spec& spec, loss_kind loss, const std::vector<std::pair<rows, rows>>& batches)
{
    metric m(spec, loss, static_cast<std::int64_t>(batches[0].first[0].size()));
    backend be;
    for (const auto& [p, t] : batches) m.update(be, from_rows(p), from_rows(t));
    return m.result();
}

// One value per row, as binary models give.
rows column(const std::vector<float>& v)
{
    rows r;
    for (float x : v) r.push_back({x});
    return r;
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

double tfjs_metric(const std::string& name, const rows& pred, const rows& targets)
{
    const auto ran = testing::run_command("node '" + testing::source_dir() + "/tests/unit/tfjs/metric_values.js' '" +
                                          tfjs_dir() + "' " + name + " '" + json_rows(pred) + "' '" +
                                          json_rows(targets) + "'");
    BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.output);
    const std::size_t at = ran.output.rfind("{\"value\":");
    BOOST_TEST_REQUIRE(at != std::string::npos, ran.output);
    return std::stod(ran.output.substr(at + 9));
}

rows join(rows a, const rows& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

// ---- streaming

// 3 of 4 right, then 1 of 2: Keras reports 4 / 6, not the mean of batch
// means (0.75 + 0.5) / 2.
BOOST_AUTO_TEST_CASE(accuracy_counts_every_sample)
{
    const double value = streamed("binary_accuracy", loss_kind::binary_crossentropy,
                                  {{column({0.9f, 0.2f, 0.7f, 0.4f}), column({1, 0, 1, 1})},
                                   {column({0.6f, 0.1f}), column({0, 0})}});
    BOOST_TEST(value == 4.0 / 6.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(reset_starts_afresh)
{
    metric m("mae", loss_kind::mean_squared_error, 1);
    backend be;
    m.update(be, from_rows(column({1.0f})), from_rows(column({3.0f})));
    BOOST_TEST(m.result() == 2.0);
    m.reset();
    m.update(be, from_rows(column({1.0f})), from_rows(column({1.5f})));
    BOOST_TEST(m.result() == 0.5);
}

// Precision: tp 0.9, 0.8; fp 0.7, 0.6 -> 2 / 4. Recall: tp 2 of the 3
// positives (0.3 missed) -> 2 / 3. Over two batches.
BOOST_AUTO_TEST_CASE(precision_and_recall_by_hand)
{
    const std::vector<std::pair<rows, rows>> batches = {{column({0.9f, 0.7f, 0.3f}), column({1, 0, 1})},
                                                        {column({0.8f, 0.6f, 0.1f}), column({1, 0, 0})}};
    BOOST_TEST(streamed("precision", loss_kind::binary_crossentropy, batches) == 0.5, tt::tolerance(1e-12));
    BOOST_TEST(streamed("recall", loss_kind::binary_crossentropy, batches) == 2.0 / 3.0, tt::tolerance(1e-12));
    metric_spec strict = metric_kind::precision;
    strict.threshold = 0.75f;  // now 0.9 and 0.8 only: 2 / 2
    BOOST_TEST(streamed(strict, loss_kind::binary_crossentropy, batches) == 1.0, tt::tolerance(1e-12));
    // Nothing predicted positive: 0, as Keras's divide_no_nan gives.
    BOOST_TEST(streamed("precision", loss_kind::binary_crossentropy, {{column({0.1f}), column({1})}}) == 0.0);
}

// ROC: with the predictions of the two classes in different buckets of the
// 200 thresholds, the trapezoids give the exact pairwise AUC: positives
// 0.9, 0.7, 0.35 and negatives 0.6, 0.1 rank 5 of the 6 pairs right.
BOOST_AUTO_TEST_CASE(auc_roc_by_hand)
{
    const double auc = streamed("auc", loss_kind::binary_crossentropy,
                                {{column({0.9f, 0.6f, 0.35f}), column({1, 0, 1})}, {column({0.7f, 0.1f}), column({1, 0})}});
    BOOST_TEST(auc == 5.0 / 6.0, tt::tolerance(1e-9));
    BOOST_TEST(streamed("auc", loss_kind::binary_crossentropy, {{column({0.8f, 0.6f, 0.3f}), column({1, 0, 1})}}) == 0.5,
               tt::tolerance(1e-9));
}

// PR with Keras's interpolation, positives 0.8, 0.3 and negative 0.6: the
// pieces are 0.5 (from 1 predicted positive to 0, slope 1) and
// (1 - ln(3/2)) / 2 (from 3 predicted positives to 2: slope 1, intercept
// -1), the other pieces 0: 0.5 + (1 - ln 1.5) / 2 = 0.7972674.
BOOST_AUTO_TEST_CASE(auc_pr_by_hand)
{
    metric_spec pr = metric_kind::auc;
    pr.curve = auc_curve::pr;
    BOOST_TEST(streamed(pr, loss_kind::binary_crossentropy, {{column({0.8f, 0.6f, 0.3f}), column({1, 0, 1})}}) ==
                   0.5 + (1.0 - std::log(1.5)) / 2.0,
               tt::tolerance(1e-9));
    // Perfect separation: 1 on either curve.
    BOOST_TEST(streamed(pr, loss_kind::binary_crossentropy, {{column({0.9f, 0.2f}), column({1, 0})}}) == 1.0,
               tt::tolerance(1e-9));
}

// Class 2 scores third of five in row 0 and first in row 1; row 2's class
// 0 is tied for second with class 3 (ties at the boundary count as in, as
// Keras's in_top_k).
BOOST_AUTO_TEST_CASE(top_k_by_hand)
{
    const rows pred = {{0.1f, 0.4f, 0.2f, 0.25f, 0.05f}, {0.1f, 0.1f, 0.6f, 0.1f, 0.1f}, {0.3f, 0.4f, 0.0f, 0.3f, 0.0f}};
    const rows one_hot = {{0, 0, 1, 0, 0}, {0, 0, 1, 0, 0}, {1, 0, 0, 0, 0}};
    metric_spec top_2 = metric_kind::top_k_categorical_accuracy;
    top_2.k = 2;
    BOOST_TEST(streamed(top_2, loss_kind::categorical_crossentropy, {{pred, one_hot}}) == 2.0 / 3.0, tt::tolerance(1e-12));
    top_2.k = 1;
    BOOST_TEST(streamed(top_2, loss_kind::categorical_crossentropy, {{pred, one_hot}}) == 1.0 / 3.0, tt::tolerance(1e-12));
    BOOST_TEST(streamed("top_k_categorical_accuracy", loss_kind::categorical_crossentropy, {{pred, one_hot}}) == 1.0);

    metric_spec sparse_top_2 = metric_kind::sparse_top_k_categorical_accuracy;
    sparse_top_2.k = 2;
    metric sparse(sparse_top_2, loss_kind::sparse_categorical_crossentropy, 5);
    backend be;
    sparse.update(be, from_rows(pred), labels({2, 2, 0}));
    BOOST_TEST(sparse.result() == 2.0 / 3.0, tt::tolerance(1e-12));
}

// The mean over all values: |errors| 1, 2 then 3, 0, 1, 1 -> 8 / 6.
BOOST_AUTO_TEST_CASE(errors_average_over_every_value)
{
    const double mae = streamed("mae", loss_kind::mean_squared_error,
                                {{{{1, 2}}, {{0, 0}}}, {{{3, 0}, {1, 1}}, {{0, 0}, {0, 0}}}});
    BOOST_TEST(mae == 8.0 / 6.0, tt::tolerance(1e-12));
    const double mse = streamed("mean_squared_error", loss_kind::mean_squared_error,
                                {{{{1, 2}}, {{0, 0}}}, {{{3, 0}, {1, 1}}, {{0, 0}, {0, 0}}}});
    BOOST_TEST(mse == 16.0 / 6.0, tt::tolerance(1e-12));
}

// Two batches here, the whole set in TF.js (which computes one batch at a
// time): the streamed value equals TF.js's over all samples. float32 sums
// in TF.js: 1e-6.
BOOST_AUTO_TEST_CASE(streamed_values_match_tfjs_over_all_samples, *boost::unit_test::precondition(tfjs_present))
{
    const rows p1 = {{0.9f, 0.1f, 0.3f}, {0.2f, 0.7f, 0.6f}}, t1 = {{1, 0, 0}, {0, 1, 1}};
    const rows p2 = {{0.4f, 0.8f, 0.55f}, {0.45f, 0.3f, 0.05f}, {0.6f, 0.2f, 0.9f}}, t2 = {{0, 1, 0}, {1, 0, 0}, {0, 0, 1}};
    const rows p = join(p1, p2), t = join(t1, t2);
    const std::vector<std::pair<rows, rows>> batches = {{p1, t1}, {p2, t2}};
    const std::pair<const char*, const char*> names[] = {{"binary_accuracy", "binaryAccuracy"},
                                                         {"categorical_accuracy", "categoricalAccuracy"},
                                                         {"precision", "precision"},
                                                         {"recall", "recall"},
                                                         {"mean_absolute_error", "meanAbsoluteError"},
                                                         {"mean_squared_error", "meanSquaredError"}};
    for (const auto& [ours, theirs] : names) {
        BOOST_TEST_CONTEXT(ours)
        {
            BOOST_TEST(streamed(ours, loss_kind::binary_crossentropy, batches) == tfjs_metric(theirs, p, t),
                       tt::tolerance(1e-6));
        }
    }
}

// ---- the state, for a resumed epoch

BOOST_AUTO_TEST_CASE(state_survives_the_training_state_text)
{
    metric auc("auc", loss_kind::binary_crossentropy, 1);
    metric mae("mae", loss_kind::binary_crossentropy, 1);
    backend be;
    const tensor p = from_rows(column({0.9f, 0.35f, 0.6f})), t = from_rows(column({1, 1, 0}));
    auc.update(be, p, t);
    mae.update(be, p, t);
    training_state s;
    s.resumable = true;
    s.metric_counts = {auc.state(), mae.state()};
    const training_state back = parse_training_state(format_training_state(s), "<test>");
    BOOST_TEST_REQUIRE(back.metric_counts.size() == 2u);
    metric auc_again("auc", loss_kind::binary_crossentropy, 1);
    metric mae_again("mae", loss_kind::binary_crossentropy, 1);
    auc_again.set_state(back.metric_counts[0]);
    mae_again.set_state(back.metric_counts[1]);
    BOOST_TEST(auc_again.result() == auc.result());
    BOOST_TEST(mae_again.result() == mae.result());  // the fractional sum, bit for bit
}

// ---- specs, names and errors

BOOST_AUTO_TEST_CASE(accuracy_resolves_as_keras_does)
{
    BOOST_TEST(int(metric("accuracy", loss_kind::binary_crossentropy, 1).kind()) == int(metric_kind::binary_accuracy));
    BOOST_TEST(int(metric("acc", loss_kind::sparse_categorical_crossentropy, 10).kind()) ==
               int(metric_kind::sparse_categorical_accuracy));
    BOOST_TEST(int(metric("accuracy", loss_kind::mean_absolute_error, 4).kind()) == int(metric_kind::categorical_accuracy));
    BOOST_TEST(metric("acc", loss_kind::binary_crossentropy, 1).name() == "acc");  // logged as written
}

BOOST_AUTO_TEST_CASE(specs_parse_and_round_trip)
{
    const auto specs = parse_metric_specs(
        YAML::Load("[accuracy, mae, {auc: {curve: PR, num_thresholds: 50}}, {auc: {name: roc}}, "
                   "{top_k_categorical_accuracy: {k: 3}}, {precision: {thresholds: 0.7}}]"),
        "exp.yaml");
    BOOST_TEST_REQUIRE(specs.size() == 6u);
    BOOST_TEST((metric_log_names(specs) ==
                std::vector<std::string>{"accuracy", "mae", "auc", "roc", "top_k_categorical_accuracy", "precision"}));
    BOOST_TEST(int(specs[2].curve) == int(auc_curve::pr));
    BOOST_TEST(specs[2].num_thresholds == 50);
    BOOST_TEST(specs[4].k == 3);
    BOOST_TEST(specs[5].threshold == 0.7f);
    const auto back = parse_metrics_text(metrics_text(specs), "<metadata>");
    BOOST_TEST_REQUIRE(back.size() == specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) BOOST_TEST((back[i] == specs[i]), metric_text(specs[i]));
    BOOST_TEST(metric_text(specs[1]) == "mae");
}

namespace {

std::string parse_error(const std::string& text)
{
    try {
        parse_metric_specs(YAML::Load(text), "exp.yaml");
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(unknown_metrics_and_settings_are_errors_with_positions)
{
    const std::string unknown = parse_error("[accuracy,\n auc,\n  precission]");
    BOOST_TEST(unknown.find("exp.yaml:3:3: compile.metrics: unknown metric 'precission'") == 0, unknown);
    BOOST_TEST(unknown.find("did you mean 'precision'") != std::string::npos, unknown);
    const std::string setting = parse_error("[{auc: {curv: PR}}]");
    BOOST_TEST(setting.find("exp.yaml:1:") == 0, setting);
    BOOST_TEST(setting.find("curv") != std::string::npos, setting);
    const std::string twice = parse_error("[auc, auc]");
    BOOST_TEST(twice.find("logged twice") != std::string::npos, twice);
    BOOST_TEST(parse_error("[{auc: {curve: DET}}]").find("curve") != std::string::npos);
    BOOST_TEST(!parse_error("[{mae: {k: 3}}]").empty());
}

BOOST_AUTO_TEST_CASE(targets_must_fit_the_metric)
{
    metric sparse("sparse_categorical_accuracy", loss_kind::sparse_categorical_crossentropy, 3);
    BOOST_CHECK_THROW(sparse.check_targets_fit(shape({3}), from_rows({{0, 1, 0}})), data_error);
    BOOST_CHECK_NO_THROW(sparse.check_targets_fit(shape({3}), labels({1})));
    metric top_k("top_k_categorical_accuracy", loss_kind::categorical_crossentropy, 3);
    try {
        top_k.check_targets_fit(shape({3}), labels({1}));
        BOOST_FAIL("expected a data_error");
    } catch (const data_error& e) {
        BOOST_TEST(std::string(e.what()).find("sparse_top_k_categorical_accuracy") != std::string::npos, e.what());
    }
}

// ---- weighted metrics (compile.weighted_metrics)

namespace {

// One batch through a weighted metric and the same metric unweighted.
std::pair<double, double> weighted_and_plain(const metric_spec& spec, loss_kind loss, const rows& p, const rows& t,
                                             const std::vector<float>& weights)
{
    backend be;
    metric weighted(spec, loss, static_cast<std::int64_t>(p[0].size()), true);
    metric plain(spec, loss, static_cast<std::int64_t>(p[0].size()));
    weighted.update(be, from_rows(p), from_rows(t), weights.data());
    plain.update(be, from_rows(p), from_rows(t), weights.data());  // an unweighted metric ignores them
    return {weighted.result(), plain.result()};
}

}  // namespace

// Right, wrong, right with weights 3, 1, 0: Keras's weighted mean
// (3 + 0) / 4 = 3/4 against the plain 2/3 of the samples.
BOOST_AUTO_TEST_CASE(weighted_accuracy_is_the_weighted_mean_of_the_samples)
{
    const auto [weighted, plain] = weighted_and_plain("binary_accuracy", loss_kind::binary_crossentropy,
                                                      column({0.9f, 0.8f, 0.7f}), column({1, 0, 1}), {3, 1, 0});
    BOOST_TEST(weighted == 3.0 / 4.0, tt::tolerance(1e-12));
    BOOST_TEST(plain == 2.0 / 3.0, tt::tolerance(1e-12));
    BOOST_TEST(weighted - plain == 3.0 / 4.0 - 2.0 / 3.0, tt::tolerance(1e-9));
}

// Two values a sample: Keras averages each sample's values first
// (errors 0, 4 -> 2 and 1, 1 -> 1), then weights the samples:
// (1 * 2 + 3 * 1) / 4 = 1.25 against 1.5 plain.
BOOST_AUTO_TEST_CASE(weighted_errors_average_each_sample_first)
{
    const auto [weighted, plain] = weighted_and_plain("mae", loss_kind::mean_squared_error, {{1, 5}, {2, 3}},
                                                      {{1, 1}, {1, 2}}, {1, 3});
    BOOST_TEST(weighted == 1.25, tt::tolerance(1e-12));
    BOOST_TEST(plain == 1.5, tt::tolerance(1e-12));
}

// The confusion counts add the weights: tp 0.9 (w 2), fp 0.7 (w 1) and
// 0.6 (w 3) -> precision 2 / 6 against 1 / 3 plain; recall: tp 2, missed
// 0.3 (w 4) -> 2 / 6 against 1 / 2 plain.
BOOST_AUTO_TEST_CASE(weighted_precision_and_recall_count_weights)
{
    const rows p = column({0.9f, 0.7f, 0.6f, 0.3f});
    const rows t = column({1, 0, 0, 1});
    const std::vector<float> w = {2, 1, 3, 4};
    const auto [precision, plain_precision] = weighted_and_plain("precision", loss_kind::binary_crossentropy, p, t, w);
    BOOST_TEST(precision == 2.0 / 6.0, tt::tolerance(1e-12));
    BOOST_TEST(plain_precision == 1.0 / 3.0, tt::tolerance(1e-12));
    const auto [recall, plain_recall] = weighted_and_plain("recall", loss_kind::binary_crossentropy, p, t, w);
    BOOST_TEST(recall == 2.0 / 6.0, tt::tolerance(1e-12));
    BOOST_TEST(plain_recall == 1.0 / 2.0, tt::tolerance(1e-12));
}

// Without weights (nullptr) a weighted metric is the plain one.
BOOST_AUTO_TEST_CASE(weighted_metrics_without_weights_are_the_plain_ones)
{
    backend be;
    metric weighted("sparse_categorical_accuracy", loss_kind::sparse_categorical_crossentropy, 2, true);
    weighted.update(be, from_rows({{0.9f, 0.1f}, {0.2f, 0.8f}, {0.6f, 0.4f}}), labels({0, 1, 1}));
    BOOST_TEST(weighted.result() == 2.0 / 3.0, tt::tolerance(1e-12));
}

// Keras 3's names: a weighted metric whose name is logged already gets
// "weighted_", then a counter.
BOOST_AUTO_TEST_CASE(weighted_metrics_are_logged_under_keras_names)
{
    const std::vector<std::string> names = metric_log_names({"accuracy", "mae"}, {"accuracy", "auc", "mae"});
    const std::vector<std::string> expected = {"accuracy", "mae", "weighted_accuracy", "auc", "weighted_mae"};
    BOOST_TEST(names == expected, tt::per_element());
    const std::vector<metric> made = compiled_metrics({"accuracy"}, {"accuracy"}, loss_kind::binary_crossentropy, 1);
    BOOST_TEST(made.size() == 2u);
    BOOST_TEST(!made[0].weighted());
    BOOST_TEST(made[1].weighted());
    BOOST_TEST(made[1].name() == "weighted_accuracy");
}

BOOST_AUTO_TEST_CASE(weighted_metric_errors_name_their_key)
{
    const YAML::Node list = YAML::Load("[accuracy,\n precission]");
    try {
        parse_metric_specs(list, "exp.yaml", "compile.weighted_metrics");
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("exp.yaml:2:2: compile.weighted_metrics: unknown metric 'precission'") == 0, what);
    }
}
