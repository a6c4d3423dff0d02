#include "losses/row_losses.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mlrun {
namespace {

// Keras's backend epsilon, the floor of divisors and logarithms.
constexpr float epsilon = 1e-7f;

float sign(float x) { return static_cast<float>((x > 0.0f) - (x < 0.0f)); }

// log(cosh(x)) without overflow: x + softplus(-2x) - log(2).
double log_cosh(double x)
{
    const double a = std::fabs(x);
    return a + std::log1p(std::exp(-2.0 * a)) - std::log(2.0);
}

// Hinge targets: Keras turns 0/1 labels into -1/1.
float hinge_target(float t) { return t == 0.0f ? -1.0f : t; }

// One row: returns its loss; with `d`, writes d(loss)/d(p) scaled by `scale`.
double one_row(const loss_spec& spec, std::int64_t n, const float* p, const float* t, float* d, float scale)
{
    const double inv_n = 1.0 / static_cast<double>(n);
    const float mean_scale = static_cast<float>(scale * inv_n);  // d of a mean over the row
    double sum = 0.0;
    switch (spec.kind) {
    case loss_kind::mean_absolute_error:
        for (std::int64_t i = 0; i < n; ++i) {
            sum += std::fabs(p[i] - t[i]);
            if (d) d[i] = mean_scale * sign(p[i] - t[i]);
        }
        return sum * inv_n;
    case loss_kind::mean_absolute_percentage_error:
        for (std::int64_t i = 0; i < n; ++i) {
            const float divisor = std::max(std::fabs(t[i]), epsilon);
            sum += 100.0 * std::fabs((t[i] - p[i]) / divisor);
            if (d) d[i] = mean_scale * 100.0f * sign(p[i] - t[i]) / divisor;
        }
        return sum * inv_n;
    case loss_kind::mean_squared_logarithmic_error:
        for (std::int64_t i = 0; i < n; ++i) {
            const double a = std::log1p(std::max(p[i], epsilon));
            const double b = std::log1p(std::max(t[i], epsilon));
            sum += (a - b) * (a - b);
            // maximum(p, epsilon) passes no gradient below epsilon.
            if (d) d[i] = p[i] > epsilon ? static_cast<float>(mean_scale * 2.0 * (a - b) / (1.0 + p[i])) : 0.0f;
        }
        return sum * inv_n;
    case loss_kind::huber:
        for (std::int64_t i = 0; i < n; ++i) {
            const double error = static_cast<double>(p[i]) - t[i];
            const double a = std::fabs(error);
            sum += a <= spec.delta ? 0.5 * error * error : spec.delta * a - 0.5 * spec.delta * spec.delta;
            if (d) d[i] = static_cast<float>(mean_scale * (a <= spec.delta ? error : spec.delta * sign(static_cast<float>(error))));
        }
        return sum * inv_n;
    case loss_kind::log_cosh:
        for (std::int64_t i = 0; i < n; ++i) {
            const double x = static_cast<double>(p[i]) - t[i];
            sum += log_cosh(x);
            if (d) d[i] = static_cast<float>(mean_scale * std::tanh(x));
        }
        return sum * inv_n;
    case loss_kind::poisson:
        for (std::int64_t i = 0; i < n; ++i) {
            sum += p[i] - t[i] * std::log(static_cast<double>(p[i]) + epsilon);
            if (d) d[i] = static_cast<float>(mean_scale * (1.0 - t[i] / (static_cast<double>(p[i]) + epsilon)));
        }
        return sum * inv_n;
    case loss_kind::hinge:
    case loss_kind::squared_hinge: {
        const bool squared = spec.kind == loss_kind::squared_hinge;
        for (std::int64_t i = 0; i < n; ++i) {
            const float y = hinge_target(t[i]);
            const double margin = std::max(0.0, 1.0 - static_cast<double>(y) * p[i]);
            sum += squared ? margin * margin : margin;
            if (d) {
                const double slope = squared ? 2.0 * margin : (margin > 0.0 ? 1.0 : 0.0);
                d[i] = static_cast<float>(-mean_scale * slope * y);
            }
        }
        return sum * inv_n;
    }
    case loss_kind::kl_divergence:
        for (std::int64_t i = 0; i < n; ++i) {
            const double y = std::clamp(t[i], epsilon, 1.0f);
            const double q = std::clamp(p[i], epsilon, 1.0f);
            sum += y * std::log(y / q);
            // clip passes the gradient only inside [epsilon, 1].
            if (d) d[i] = p[i] >= epsilon && p[i] <= 1.0f ? static_cast<float>(-scale * y / q) : 0.0f;
        }
        return sum;
    case loss_kind::categorical_hinge: {
        double positive = 0.0, negative = -INFINITY;
        std::int64_t at = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            positive += static_cast<double>(t[i]) * p[i];
            const double other = (1.0 - t[i]) * p[i];
            if (other > negative) negative = other, at = i;
        }
        const double loss = std::max(0.0, negative - positive + 1.0);
        if (d) {
            for (std::int64_t i = 0; i < n; ++i) {
                d[i] = loss > 0.0 ? static_cast<float>(scale * (-t[i] + (i == at ? 1.0 - t[i] : 0.0))) : 0.0f;
            }
        }
        return loss;
    }
    case loss_kind::cosine_similarity: {
        // Keras's l2 normalisation: x / max(|x|, epsilon).
        double pp = 0.0, tt = 0.0, pt = 0.0;
        for (std::int64_t i = 0; i < n; ++i) {
            pp += static_cast<double>(p[i]) * p[i];
            tt += static_cast<double>(t[i]) * t[i];
            pt += static_cast<double>(p[i]) * t[i];
        }
        const double p_norm = std::max(std::sqrt(pp), static_cast<double>(epsilon));
        const double t_norm = std::max(std::sqrt(tt), static_cast<double>(epsilon));
        const double cosine = pt / (p_norm * t_norm);
        if (d) {
            const bool floored = std::sqrt(pp) < epsilon;  // then the norm is a constant
            for (std::int64_t i = 0; i < n; ++i) {
                const double along = floored ? 0.0 : cosine * p[i] / p_norm;
                d[i] = static_cast<float>(-scale * (t[i] / t_norm - along) / p_norm);
            }
        }
        return -cosine;
    }
    default: return 0.0;
    }
}

}  // namespace

bool is_row_loss(loss_kind kind)
{
    return kind != loss_kind::sparse_categorical_crossentropy && kind != loss_kind::categorical_crossentropy &&
           kind != loss_kind::binary_crossentropy && kind != loss_kind::mean_squared_error;
}

void row_loss(const loss_spec& spec, std::int64_t samples, std::int64_t rows_per_sample, std::int64_t width,
              const float* pred, const float* targets, float* losses, float* dpred, float scale)
{
    // Each row's gradient share: a sample's loss is the mean of its rows'.
    const float row_scale = scale / static_cast<float>(rows_per_sample);
    for (std::int64_t s = 0; s < samples; ++s) {
        double sum = 0.0;
        for (std::int64_t r = 0; r < rows_per_sample; ++r) {
            const std::int64_t at = (s * rows_per_sample + r) * width;
            sum += one_row(spec, width, pred + at, targets + at, dpred ? dpred + at : nullptr, row_scale);
        }
        losses[s] = static_cast<float>(sum / static_cast<double>(rows_per_sample));
    }
}

}  // namespace mlrun
