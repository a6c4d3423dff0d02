#include "mlrun/metrics/metric.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace mlrun {
namespace {

// Keras's backend epsilon: AUC's outer thresholds lie this far outside [0, 1].
constexpr float epsilon = 1e-7f;

metric_kind resolve(metric_kind kind, loss_kind loss, std::int64_t output_width)
{
    if (kind != metric_kind::accuracy) return kind;
    switch (choose_accuracy(loss, output_width)) {
    case accuracy_kind::sparse_categorical: return metric_kind::sparse_categorical_accuracy;
    case accuracy_kind::categorical: return metric_kind::categorical_accuracy;
    case accuracy_kind::binary: return metric_kind::binary_accuracy;
    }
    return metric_kind::categorical_accuracy;
}

float target_at(const tensor& targets, std::int64_t i)
{
    return targets.type() == dtype::int32 ? static_cast<float>(targets.data<std::int32_t>()[i]) : targets.f32()[i];
}

double no_nan_ratio(double a, double b) { return b == 0.0 ? 0.0 : a / b; }

// The weight of value i of a batch whose rows hold `per_row` values each.
double weight_at(const float* weights, std::int64_t i, std::int64_t per_row)
{
    return weights == nullptr ? 1.0 : static_cast<double>(weights[i / per_row]);
}

// Keras's AUC.interpolate_pr_auc (Davis & Goadrich 2006): precision is
// interpolated linearly in the number of predicted positives between
// neighbouring thresholds, and each piece integrated exactly.
double interpolated_pr_auc(const double* tp, const double* fp, const double* fn, int n)
{
    double area = 0.0;
    for (int i = 0; i + 1 < n; ++i) {
        const double dtp = tp[i] - tp[i + 1];
        const double p = tp[i] + fp[i], p_next = tp[i + 1] + fp[i + 1];
        const double slope = no_nan_ratio(dtp, std::max(p - p_next, 0.0));
        const double intercept = tp[i + 1] - slope * p_next;
        const double ratio = p > 0.0 && p_next > 0.0 ? no_nan_ratio(p, std::max(p_next, 0.0)) : 1.0;
        area += no_nan_ratio(slope * (dtp + intercept * std::log(ratio)), std::max(tp[i + 1] + fn[i + 1], 0.0));
    }
    return area;
}

}  // namespace

metric::metric(const metric_spec& spec, loss_kind loss, std::int64_t output_width, bool weighted)
    : spec_(spec), kind_(resolve(spec.kind, loss, output_width)), weighted_(weighted)
{
    check_metric_spec(spec_);
    if (kind_ == metric_kind::auc) {
        // Keras: 0 - epsilon, then (i + 1) / (n - 1) for the inner ones, then 1 + epsilon.
        const int n = spec_.num_thresholds;
        thresholds_.push_back(0.0f - epsilon);
        for (int i = 0; i < n - 2; ++i) thresholds_.push_back(static_cast<float>(i + 1) / static_cast<float>(n - 1));
        thresholds_.push_back(1.0f + epsilon);
    }
    reset();
}

void metric::reset()
{
    // AUC: tp, fp, tn, fn at each threshold; precision: tp, fp; recall:
    // tp, fn; the rest: a sum (or count) and the number of values.
    const std::size_t size = kind_ == metric_kind::auc ? 4 * thresholds_.size() : 2;
    state_.assign(size, 0.0);
}

void metric::set_state(const std::vector<double>& state)
{
    if (state.size() == state_.size()) state_ = state;
}

void metric::check_targets_fit(const shape& output, const tensor& targets) const
{
    const std::int64_t width = output.element_count();
    const std::int64_t samples = targets.dims().rank() == 0 ? 0 : targets.dims()[0];
    const bool sparse =
        kind_ == metric_kind::sparse_categorical_accuracy || kind_ == metric_kind::sparse_top_k_categorical_accuracy;
    const std::string what = "metric " + spec_.name + " (" + metric_kind_name(kind_) + ")";
    if (sparse) {
        if (targets.type() != dtype::int32 || targets.size() != samples) {
            throw data_error(what + " needs one integer class label per sample, found " +
                             (targets.type() == dtype::int32 ? "integer" : "float") + " targets of shape " +
                             targets.dims().without_batch().to_string() + "; for one-hot targets use " +
                             (kind_ == metric_kind::sparse_categorical_accuracy ? "categorical_accuracy"
                                                                                 : "top_k_categorical_accuracy"));
        }
        return;
    }
    const bool one_hot = kind_ == metric_kind::categorical_accuracy || kind_ == metric_kind::top_k_categorical_accuracy;
    if (one_hot && targets.type() == dtype::int32) {
        throw data_error(what + " needs one-hot float targets of shape " + output.to_string() +
                         ", found integer class labels; for class labels use sparse_" + metric_kind_name(kind_));
    }
    if (targets.size() != samples * width) {
        throw data_error(what + ": targets of shape " + targets.dims().without_batch().to_string() +
                         " per sample do not match the model output " + output.to_string());
    }
}

void metric::update(backend& be, const tensor& prediction, const tensor& targets, const float* sample_weights)
{
    const float* weights = weighted_ ? sample_weights : nullptr;
    // What each batch must hold for the loops below to stay in bounds
    // (check_targets_fit says it better, before training, for the data set).
    const std::int64_t rows = prediction.dims()[0];
    const bool per_value = kind_ == metric_kind::binary_accuracy || kind_ == metric_kind::precision ||
                           kind_ == metric_kind::recall || kind_ == metric_kind::auc ||
                           kind_ == metric_kind::mean_absolute_error || kind_ == metric_kind::mean_squared_error;
    const bool sparse =
        kind_ == metric_kind::sparse_categorical_accuracy || kind_ == metric_kind::sparse_top_k_categorical_accuracy;
    const bool fits = per_value ? targets.size() == prediction.size()
                      : targets.type() == dtype::int32 ? targets.size() == rows
                                                        : !sparse && targets.size() == prediction.size();
    if (!fits) {
        throw data_error("metric " + spec_.name + ": targets of shape " + targets.dims().to_string() +
                         " for predictions of shape " + prediction.dims().to_string());
    }
    switch (kind_) {
    case metric_kind::binary_accuracy:
    case metric_kind::categorical_accuracy:
    case metric_kind::sparse_categorical_accuracy: update_accuracy(be, prediction, targets, weights); return;
    case metric_kind::top_k_categorical_accuracy:
    case metric_kind::sparse_top_k_categorical_accuracy: update_top_k(be, prediction, targets, weights); return;
    case metric_kind::precision:
    case metric_kind::recall: update_confusion(prediction, targets, weights); return;
    case metric_kind::auc: update_auc(prediction, targets, weights); return;
    case metric_kind::mean_absolute_error:
    case metric_kind::mean_squared_error: update_error(prediction, targets, weights); return;
    case metric_kind::accuracy: return;  // resolved in the constructor
    }
}

void metric::update_accuracy(backend& be, const tensor& prediction, const tensor& targets, const float* weights)
{
    const std::int64_t rows = prediction.dims()[0];
    const std::int64_t cols = prediction.size() / std::max<std::int64_t>(rows, 1);
    if (kind_ == metric_kind::binary_accuracy) {
        // Keras averages each sample's values, then weights the samples:
        // with equal widths, each value weighs its sample's weight.
        const float* p = prediction.f32();
        for (std::int64_t i = 0; i < prediction.size(); ++i) {
            const double w = weight_at(weights, i, cols);
            state_[0] += w * ((p[i] > spec_.threshold) == (target_at(targets, i) > spec_.threshold));
            state_[1] += w;
        }
        return;
    }
    if (predicted_.type() != dtype::int32) predicted_ = tensor(dtype::int32, {rows});
    predicted_.reshape({rows});
    be.argmax_rows(rows, cols, prediction.f32(), predicted_.data<std::int32_t>());
    const std::int32_t* expected = nullptr;
    if (targets.type() == dtype::int32) {
        expected = targets.data<std::int32_t>();
    } else {
        if (expected_.type() != dtype::int32) expected_ = tensor(dtype::int32, {rows});
        expected_.reshape({rows});
        be.argmax_rows(rows, cols, targets.f32(), expected_.data<std::int32_t>());
        expected = expected_.data<std::int32_t>();
    }
    const std::int32_t* predicted = predicted_.data<std::int32_t>();
    for (std::int64_t r = 0; r < rows; ++r) {
        const double w = weight_at(weights, r, 1);
        state_[0] += w * (predicted[r] == expected[r]);
        state_[1] += w;
    }
}

// Keras's in_top_k: the true class is in the top k when fewer than k
// classes score strictly higher (ties at the boundary count as in).
void metric::update_top_k(backend& be, const tensor& prediction, const tensor& targets, const float* weights)
{
    const std::int64_t rows = prediction.dims()[0];
    const std::int64_t cols = prediction.size() / std::max<std::int64_t>(rows, 1);
    const std::int32_t* expected = nullptr;
    if (targets.type() == dtype::int32) {
        expected = targets.data<std::int32_t>();
    } else {
        if (expected_.type() != dtype::int32) expected_ = tensor(dtype::int32, {rows});
        expected_.reshape({rows});
        be.argmax_rows(rows, cols, targets.f32(), expected_.data<std::int32_t>());
        expected = expected_.data<std::int32_t>();
    }
    for (std::int64_t r = 0; r < rows; ++r) {
        if (expected[r] < 0 || expected[r] >= cols) {
            throw data_error("metric " + spec_.name + ": class " + std::to_string(expected[r]) + " of sample #" +
                             std::to_string(r) + " is not one of the model's " + std::to_string(cols) + " outputs");
        }
        const float* p = prediction.f32() + r * cols;
        const float score = p[expected[r]];
        std::int64_t higher = 0;
        for (std::int64_t c = 0; c < cols; ++c) higher += p[c] > score;
        const double w = weight_at(weights, r, 1);
        state_[0] += w * (higher < spec_.k);
        state_[1] += w;
    }
}

// Precision (tp, fp) and recall (tp, fn) over every element: a prediction
// above the threshold is a positive; a target is positive when not 0.
void metric::update_confusion(const tensor& prediction, const tensor& targets, const float* weights)
{
    const float* p = prediction.f32();
    const std::int64_t per_row = prediction.size() / std::max<std::int64_t>(prediction.dims()[0], 1);
    for (std::int64_t i = 0; i < prediction.size(); ++i) {
        const bool predicted = p[i] > spec_.threshold;
        const bool actual = target_at(targets, i) != 0.0f;
        const double w = weight_at(weights, i, per_row);
        if (predicted && actual) state_[0] += w;
        if (kind_ == metric_kind::precision ? predicted && !actual : !predicted && actual) state_[1] += w;
    }
}

void metric::update_auc(const tensor& prediction, const tensor& targets, const float* weights)
{
    const std::size_t n = thresholds_.size();
    const std::int64_t per_row = prediction.size() / std::max<std::int64_t>(prediction.dims()[0], 1);
    double* tp = state_.data();
    double* fp = tp + n;
    double* tn = fp + n;
    double* fn = tn + n;
    const float* p = prediction.f32();
    for (std::int64_t i = 0; i < prediction.size(); ++i) {
        const bool actual = target_at(targets, i) != 0.0f;
        const double w = weight_at(weights, i, per_row);
        for (std::size_t j = 0; j < n; ++j) {
            const bool predicted = p[i] > thresholds_[j];
            (predicted ? (actual ? tp : fp) : (actual ? fn : tn))[j] += w;
        }
    }
}

// Keras's MeanMetricWrapper: the mean over all values seen (each sample's
// mean over its values, averaged over the samples).
void metric::update_error(const tensor& prediction, const tensor& targets, const float* weights)
{
    const float* p = prediction.f32();
    const std::int64_t per_row = prediction.size() / std::max<std::int64_t>(prediction.dims()[0], 1);
    for (std::int64_t i = 0; i < prediction.size(); ++i) {
        const double error = static_cast<double>(p[i]) - target_at(targets, i);
        const double w = weight_at(weights, i, per_row);
        state_[0] += w * (kind_ == metric_kind::mean_absolute_error ? std::fabs(error) : error * error);
        state_[1] += w;
    }
}

double metric::result() const
{
    switch (kind_) {
    case metric_kind::precision: return no_nan_ratio(state_[0], state_[0] + state_[1]);
    case metric_kind::recall: return no_nan_ratio(state_[0], state_[0] + state_[1]);
    case metric_kind::auc: {
        const int n = static_cast<int>(thresholds_.size());
        const double* tp = state_.data();
        const double* fp = tp + n;
        const double* tn = fp + n;
        const double* fn = tn + n;
        if (spec_.curve == auc_curve::pr) return interpolated_pr_auc(tp, fp, fn, n);
        // ROC: the trapezoids under (false positive rate, true positive rate).
        double area = 0.0;
        for (int i = 0; i + 1 < n; ++i) {
            const double x = no_nan_ratio(fp[i], fp[i] + tn[i]), x_next = no_nan_ratio(fp[i + 1], fp[i + 1] + tn[i + 1]);
            const double y = no_nan_ratio(tp[i], tp[i] + fn[i]), y_next = no_nan_ratio(tp[i + 1], tp[i + 1] + fn[i + 1]);
            area += (x - x_next) * (y + y_next) / 2.0;
        }
        return area;
    }
    default: return no_nan_ratio(state_[0], state_[1]);
    }
}

std::vector<metric> compiled_metrics(const std::vector<metric_spec>& metrics,
                                     const std::vector<metric_spec>& weighted_metrics, loss_kind loss,
                                     std::int64_t output_width)
{
    const std::vector<std::string> names = metric_log_names(metrics, weighted_metrics);
    std::vector<metric> result;
    for (const metric_spec& spec : metrics) result.emplace_back(spec, loss, output_width);
    for (std::size_t i = 0; i < weighted_metrics.size(); ++i) {
        metric_spec logged = weighted_metrics[i];
        logged.name = names[metrics.size() + i];
        result.emplace_back(logged, loss, output_width, true);
    }
    return result;
}

}  // namespace mlrun
