// Element-wise activations, softmax and dropout.
#include "reference_internal.hpp"

#include "mlrun/abi/mlrun_dropout.h"

#include <algorithm>
#include <cmath>

namespace mlrun::reference {

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
    }
    return fail(MLRUN_STATUS_INVALID_ARGUMENT, "activation_forward: unknown activation code");
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
    }
    return fail(MLRUN_STATUS_INVALID_ARGUMENT, "activation_backward: unknown activation code");
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
