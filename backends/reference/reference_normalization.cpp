// Batch and layer normalization: statistics by two passes in double, then
// x_hat and y per element as mlrun_backend.h writes them.
#include "reference_internal.hpp"

#include <cmath>
#include <string>

namespace mlrun::reference {
namespace {

// Batch normalization walks a column with stride `channels`, layer
// normalization a row with stride 1: one set of loops serves both, over
// `count` elements `step` apart.
struct strided {
    std::int64_t count, step;
};

void moments(const float* x, strided v, double& mean, double& variance)
{
    double total = 0.0;
    for (std::int64_t i = 0; i < v.count; ++i) total += x[i * v.step];
    mean = total / static_cast<double>(v.count);
    double squares = 0.0;
    for (std::int64_t i = 0; i < v.count; ++i) {
        const double d = x[i * v.step] - mean;
        squares += d * d;
    }
    variance = squares / static_cast<double>(v.count);
}

double inverse_std(double variance, float epsilon) { return 1.0 / std::sqrt(variance + double{epsilon}); }

mlrun_status check(const char* kernel, std::int64_t rows, std::int64_t cols, float epsilon)
{
    std::string problem;
    if (rows < 1 || cols < 1) problem = "rows and channels must be at least 1";
    else if (!(epsilon >= 0.0f) || std::isinf(epsilon)) problem = "epsilon must be finite and >= 0";
    if (problem.empty()) return MLRUN_STATUS_OK;
    return fail(MLRUN_STATUS_INVALID_ARGUMENT, (std::string(kernel) + ": " + problem).c_str());
}

float value_or(const float* values, std::int64_t i, float absent) { return values != nullptr ? values[i] : absent; }

// Writes y = gamma * x_hat + beta along v.
void normalize(const float* x, strided v, double mean, double inv_std, float gamma, float beta, float* y)
{
    for (std::int64_t i = 0; i < v.count; ++i) {
        const double x_hat = (x[i * v.step] - mean) * inv_std;
        y[i * v.step] = static_cast<float>(gamma * x_hat + beta);
    }
}

}  // namespace

mlrun_status batch_norm_forward_training(mlrun_backend*, int64_t rows, int64_t channels, const float* x,
                                         const float* gamma, const float* beta, float epsilon, float* y,
                                         float* mean, float* variance)
{
    if (const mlrun_status status = check("batch_norm_forward_training", rows, channels, epsilon);
        status != MLRUN_STATUS_OK) {
        return status;
    }
    const strided column{rows, channels};
    for (std::int64_t c = 0; c < channels; ++c) {
        double m = 0.0, v = 0.0;
        moments(x + c, column, m, v);
        mean[c] = static_cast<float>(m);
        variance[c] = static_cast<float>(v);
        normalize(x + c, column, m, inverse_std(v, epsilon), value_or(gamma, c, 1.0f), value_or(beta, c, 0.0f), y + c);
    }
    return MLRUN_STATUS_OK;
}

mlrun_status batch_norm_forward_inference(mlrun_backend*, int64_t rows, int64_t channels, const float* x,
                                          const float* gamma, const float* beta, const float* mean,
                                          const float* variance, float epsilon, float* y)
{
    if (const mlrun_status status = check("batch_norm_forward_inference", rows, channels, epsilon);
        status != MLRUN_STATUS_OK) {
        return status;
    }
    const strided column{rows, channels};
    for (std::int64_t c = 0; c < channels; ++c) {
        normalize(x + c, column, mean[c], inverse_std(variance[c], epsilon), value_or(gamma, c, 1.0f),
                  value_or(beta, c, 0.0f), y + c);
    }
    return MLRUN_STATUS_OK;
}

mlrun_status batch_norm_backward(mlrun_backend*, int32_t batch_statistics, int64_t rows, int64_t channels,
                                 const float* x, const float* dy, const float* gamma, const float* mean,
                                 const float* variance, float epsilon, float* dx, float* dgamma, float* dbeta)
{
    if (const mlrun_status status = check("batch_norm_backward", rows, channels, epsilon); status != MLRUN_STATUS_OK) {
        return status;
    }
    for (std::int64_t c = 0; c < channels; ++c) {
        const double inv_std = inverse_std(variance[c], epsilon);
        double sum_dy = 0.0, sum_dy_x_hat = 0.0;
        for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t i = r * channels + c;
            sum_dy += dy[i];
            sum_dy_x_hat += dy[i] * ((x[i] - double{mean[c]}) * inv_std);
        }
        if (dgamma != nullptr) dgamma[c] = static_cast<float>(sum_dy_x_hat);
        if (dbeta != nullptr) dbeta[c] = static_cast<float>(sum_dy);
        if (dx == nullptr) continue;
        const double scale = value_or(gamma, c, 1.0f) * inv_std;
        const double mean_dy = sum_dy / static_cast<double>(rows);
        const double mean_dy_x_hat = sum_dy_x_hat / static_cast<double>(rows);
        for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t i = r * channels + c;
            const double x_hat = (x[i] - double{mean[c]}) * inv_std;
            dx[i] = static_cast<float>(batch_statistics ? scale * (dy[i] - mean_dy - x_hat * mean_dy_x_hat)
                                                        : scale * dy[i]);
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status layer_norm_forward(mlrun_backend*, int64_t rows, int64_t cols, const float* x, const float* gamma,
                                const float* beta, float epsilon, float* y, float* mean, float* variance)
{
    if (const mlrun_status status = check("layer_norm_forward", rows, cols, epsilon); status != MLRUN_STATUS_OK) {
        return status;
    }
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * cols;
        double m = 0.0, v = 0.0;
        moments(xr, {cols, 1}, m, v);
        mean[r] = static_cast<float>(m);
        variance[r] = static_cast<float>(v);
        const double inv_std = inverse_std(v, epsilon);
        for (std::int64_t c = 0; c < cols; ++c) {
            const double x_hat = (xr[c] - m) * inv_std;
            y[r * cols + c] = static_cast<float>(value_or(gamma, c, 1.0f) * x_hat + value_or(beta, c, 0.0f));
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status layer_norm_backward(mlrun_backend*, int64_t rows, int64_t cols, const float* x, const float* dy,
                                 const float* gamma, const float* mean, const float* variance, float epsilon,
                                 float* dx, float* dgamma, float* dbeta)
{
    if (const mlrun_status status = check("layer_norm_backward", rows, cols, epsilon); status != MLRUN_STATUS_OK) {
        return status;
    }
    for (std::int64_t c = 0; c < cols; ++c) {  // column sums over the rows, in double
        double sum_dy = 0.0, sum_dy_x_hat = 0.0;
        for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t i = r * cols + c;
            sum_dy += dy[i];
            sum_dy_x_hat += dy[i] * ((x[i] - double{mean[r]}) * inverse_std(variance[r], epsilon));
        }
        if (dgamma != nullptr) dgamma[c] = static_cast<float>(sum_dy_x_hat);
        if (dbeta != nullptr) dbeta[c] = static_cast<float>(sum_dy);
    }
    if (dx == nullptr) return MLRUN_STATUS_OK;
    for (std::int64_t r = 0; r < rows; ++r) {
        const double inv_std = inverse_std(variance[r], epsilon);
        double sum_g = 0.0, sum_g_x_hat = 0.0;
        for (std::int64_t c = 0; c < cols; ++c) {
            const std::int64_t i = r * cols + c;
            const double g = dy[i] * double{value_or(gamma, c, 1.0f)};
            sum_g += g;
            sum_g_x_hat += g * ((x[i] - double{mean[r]}) * inv_std);
        }
        const double mean_g = sum_g / static_cast<double>(cols);
        const double mean_g_x_hat = sum_g_x_hat / static_cast<double>(cols);
        for (std::int64_t c = 0; c < cols; ++c) {
            const std::int64_t i = r * cols + c;
            const double g = dy[i] * double{value_or(gamma, c, 1.0f)};
            const double x_hat = (x[i] - double{mean[r]}) * inv_std;
            dx[i] = static_cast<float>((g - mean_g - x_hat * mean_g_x_hat) * inv_std);
        }
    }
    return MLRUN_STATUS_OK;
}

}  // namespace mlrun::reference
