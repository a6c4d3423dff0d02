// Element-wise activations, softmax and dropout.
#include "reference_internal.hpp"

#include "mlrun/abi/mlrun_dropout.h"
#include "mlrun/backend/activation_constants.hpp"

#include <algorithm>
#include <cmath>

namespace mlrun::reference {
namespace {

using namespace activation_constants;

bool is_input_differentiated(int32_t activation)
{
    return activation >= MLRUN_ACTIVATION_ELU && activation <= MLRUN_ACTIVATION_MISH;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// log(1 + exp(x)) without overflow for large x or loss of digits for very negative x.
float softplus(float x) { return x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

float input_activation_value(int32_t activation, float x)
{
    switch (activation) {
    case MLRUN_ACTIVATION_ELU: return x > 0.0f ? x : std::expm1(x);
    case MLRUN_ACTIVATION_SELU: return selu_scale * (x > 0.0f ? x : selu_alpha * std::expm1(x));
    case MLRUN_ACTIVATION_GELU: return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
    case MLRUN_ACTIVATION_GELU_TANH: {
        const float c = static_cast<float>(std::sqrt(2.0 / pi));
        return 0.5f * x * (1.0f + std::tanh(c * (x + gelu_tanh_coefficient * x * x * x)));
    }
    case MLRUN_ACTIVATION_LEAKY_RELU: return x > 0.0f ? x : leaky_relu_slope * x;
    case MLRUN_ACTIVATION_RELU6: return std::min(std::max(x, 0.0f), 6.0f);
    case MLRUN_ACTIVATION_SILU: return x * sigmoid(x);
    case MLRUN_ACTIVATION_SOFTPLUS: return softplus(x);
    case MLRUN_ACTIVATION_SOFTSIGN: return x / (1.0f + std::fabs(x));
    case MLRUN_ACTIVATION_HARD_SIGMOID: return std::min(std::max(x / 6.0f + 0.5f, 0.0f), 1.0f);
    case MLRUN_ACTIVATION_EXPONENTIAL: return std::exp(x);
    case MLRUN_ACTIVATION_MISH: return x * std::tanh(softplus(x));
    default: return 0.0f;
    }
}

// f'(x); at the kinks (0 for ELU and ReLU6, +-3 for hard_sigmoid) the
// one-sided value Keras's gradient takes.
float input_activation_slope(int32_t activation, float x)
{
    switch (activation) {
    case MLRUN_ACTIVATION_ELU: return x > 0.0f ? 1.0f : std::exp(x);
    case MLRUN_ACTIVATION_SELU: return x > 0.0f ? selu_scale : selu_scale * selu_alpha * std::exp(x);
    case MLRUN_ACTIVATION_GELU: {
        const float cdf = 0.5f * (1.0f + std::erf(x / std::sqrt(2.0f)));
        const float pdf = static_cast<float>(1.0 / std::sqrt(2.0 * pi)) * std::exp(-0.5f * x * x);
        return cdf + x * pdf;
    }
    case MLRUN_ACTIVATION_GELU_TANH: {
        const float c = static_cast<float>(std::sqrt(2.0 / pi));
        const float t = std::tanh(c * (x + gelu_tanh_coefficient * x * x * x));
        return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * c * (1.0f + 3.0f * gelu_tanh_coefficient * x * x);
    }
    case MLRUN_ACTIVATION_LEAKY_RELU: return x > 0.0f ? 1.0f : leaky_relu_slope;
    case MLRUN_ACTIVATION_RELU6: return x > 0.0f && x < 6.0f ? 1.0f : 0.0f;
    case MLRUN_ACTIVATION_SILU: {
        const float s = sigmoid(x);
        return s * (1.0f + x * (1.0f - s));
    }
    case MLRUN_ACTIVATION_SOFTPLUS: return sigmoid(x);
    case MLRUN_ACTIVATION_SOFTSIGN: {
        const float d = 1.0f + std::fabs(x);
        return 1.0f / (d * d);
    }
    case MLRUN_ACTIVATION_HARD_SIGMOID: return x > -3.0f && x < 3.0f ? 1.0f / 6.0f : 0.0f;
    case MLRUN_ACTIVATION_EXPONENTIAL: return std::exp(x);
    case MLRUN_ACTIVATION_MISH: {
        const float t = std::tanh(softplus(x));
        return t + x * (1.0f - t * t) * sigmoid(x);
    }
    default: return 0.0f;
    }
}

}  // namespace

mlrun_status activation_forward(mlrun_backend*, int32_t activation, int64_t n, const float* x, float* y)
{
    switch (activation) {
    case MLRUN_ACTIVATION_LINEAR:
        if (x != y) std::copy(x, x + n, y);
        return MLRUN_STATUS_OK;
    case MLRUN_ACTIVATION_RELU:
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        return MLRUN_STATUS_OK;
    case MLRUN_ACTIVATION_SIGMOID:
        for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
        return MLRUN_STATUS_OK;
    case MLRUN_ACTIVATION_TANH:
        for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
        return MLRUN_STATUS_OK;
    default: break;
    }
    if (!is_input_differentiated(activation)) {
        return fail(MLRUN_STATUS_INVALID_ARGUMENT, "activation_forward: unknown activation code");
    }
    for (int64_t i = 0; i < n; ++i) y[i] = input_activation_value(activation, x[i]);
    return MLRUN_STATUS_OK;
}

mlrun_status activation_backward(mlrun_backend*, int32_t activation, int64_t n, const float* y, const float* dy,
                                 float* dx)
{
    switch (activation) {
    case MLRUN_ACTIVATION_LINEAR:
        if (dy != dx) std::copy(dy, dy + n, dx);
        return MLRUN_STATUS_OK;
    case MLRUN_ACTIVATION_RELU:
        for (int64_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
        return MLRUN_STATUS_OK;
    case MLRUN_ACTIVATION_SIGMOID:
        for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
        return MLRUN_STATUS_OK;
    case MLRUN_ACTIVATION_TANH:
        for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        return MLRUN_STATUS_OK;
    default: break;
    }
    if (!is_input_differentiated(activation)) {
        return fail(MLRUN_STATUS_INVALID_ARGUMENT, "activation_backward: unknown activation code");
    }
    // From ELU on, `y` carries the input x (mlrun_backend.h).
    const float* x = y;
    for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * input_activation_slope(activation, x[i]);
    return MLRUN_STATUS_OK;
}

float softmax_row(const float* z, float* p, int64_t cols)
{
    // Shifting by the largest logit keeps exp() from overflowing.
    const float largest = *std::max_element(z, z + cols);
    float total = 0.0f;
    for (int64_t c = 0; c < cols; ++c) {
        p[c] = std::exp(z[c] - largest);
        total += p[c];
    }
    for (int64_t c = 0; c < cols; ++c) p[c] /= total;
    return largest + std::log(total);
}

mlrun_status softmax_forward(mlrun_backend*, int64_t rows, int64_t cols, const float* x, float* y)
{
    for (int64_t r = 0; r < rows; ++r) softmax_row(x + r * cols, y + r * cols, cols);
    return MLRUN_STATUS_OK;
}

mlrun_status softmax_backward(mlrun_backend*, int64_t rows, int64_t cols, const float* y, const float* dy,
                              float* dx)
{
    for (int64_t r = 0; r < rows; ++r) {
        const float* yr = y + r * cols;
        const float* dyr = dy + r * cols;
        float* dxr = dx + r * cols;
        float dot = 0.0f;
        for (int64_t c = 0; c < cols; ++c) dot += dyr[c] * yr[c];
        for (int64_t c = 0; c < cols; ++c) dxr[c] = yr[c] * (dyr[c] - dot);
    }
    return MLRUN_STATUS_OK;
}

mlrun_status dropout_forward(mlrun_backend*, int64_t n, float rate, uint64_t seed, const float* x, float* mask,
                             float* y)
{
    if (!(rate >= 0.0f && rate < 1.0f)) {
        return fail(MLRUN_STATUS_INVALID_ARGUMENT, "dropout_forward: rate must be in [0, 1)");
    }
    const float keep_scale = 1.0f / (1.0f - rate);
    for (int64_t i = 0; i < n; ++i) {
        mask[i] = mlrun_dropout_uniform(seed, static_cast<uint64_t>(i)) >= rate ? keep_scale : 0.0f;
        y[i] = x[i] * mask[i];
    }
    return MLRUN_STATUS_OK;
}

}  // namespace mlrun::reference
