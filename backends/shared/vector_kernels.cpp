// Built with -fno-math-errno (so sqrt vectorises) and -ffp-contract=off (so
// no multiply-add is fused and the results stay those of the reference).
// Each loop is compiled twice, for AVX2+FMA machines (x86-64-v3) and for
// the baseline, and the loader picks the clone the CPU supports. AVX-512
// clones were measured no faster here for the floating-point loops: they
// are bound by memory and by sqrt/div throughput, not by vector width.
#include "vector_kernels.hpp"

#include "mlrun/abi/mlrun_dropout.h"

#include <algorithm>
#include <cmath>

#define MLRUN_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
// The dropout hash multiplies 64-bit integers, which only AVX-512 (DQ) does
// in vector registers.
#define MLRUN_VECTOR_CLONES_INT64 __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace mlrun::vector_kernels {

MLRUN_VECTOR_CLONES void fill(std::int64_t n, float value, float* y)
{
    for (std::int64_t i = 0; i < n; ++i) y[i] = value;
}

MLRUN_VECTOR_CLONES void axpby(std::int64_t n, float alpha, const float* x, float beta, float* y)
{
    if (beta == 0.0f) {
        for (std::int64_t i = 0; i < n; ++i) y[i] = alpha * x[i];
    } else {
        for (std::int64_t i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
    }
}

MLRUN_VECTOR_CLONES void multiply(std::int64_t n, const float* a, const float* b, float* y)
{
    for (std::int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

MLRUN_VECTOR_CLONES void relu_forward(std::int64_t n, const float* x, float* y)
{
    for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

MLRUN_VECTOR_CLONES void relu_backward(std::int64_t n, const float* y, const float* dy, float* dx)
{
    for (std::int64_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

MLRUN_VECTOR_CLONES void bias_add(std::int64_t rows, std::int64_t cols, std::int64_t stride, const float* bias,
                                  float* y)
{
    for (std::int64_t r = 0; r < rows; ++r) {
        float* row = y + r * stride;
        for (std::int64_t c = 0; c < cols; ++c) row[c] += bias[c];
    }
}

MLRUN_VECTOR_CLONES void bias_grad(std::int64_t rows, std::int64_t cols, std::int64_t stride, const float* dy,
                                   float* db)
{
    for (std::int64_t c = 0; c < cols; ++c) db[c] = 0.0f;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* row = dy + r * stride;
        for (std::int64_t c = 0; c < cols; ++c) db[c] += row[c];
    }
}

MLRUN_VECTOR_CLONES_INT64 void dropout_forward(std::int64_t first, std::int64_t n, float rate, std::uint64_t seed,
                                         const float* x, float* mask, float* y)
{
    const float keep_scale = 1.0f / (1.0f - rate);
    for (std::int64_t i = 0; i < n; ++i) {
        const std::uint64_t index = static_cast<std::uint64_t>(first + i);
        mask[i] = mlrun_dropout_uniform(seed, index) >= rate ? keep_scale : 0.0f;
        y[i] = x[i] * mask[i];
    }
}

float adam_step_size(float lr, float beta_1, float beta_2, std::int64_t t)
{
    // Computed in double exactly as the reference computes it.
    const double step = static_cast<double>(t);
    return static_cast<float>(lr * std::sqrt(1.0 - std::pow(beta_2, step)) / (1.0 - std::pow(beta_1, step)));
}

MLRUN_VECTOR_CLONES void adam_update(std::int64_t n, float alpha, float beta_1, float beta_2, float epsilon,
                                     float* w, const float* g, float* m, float* v, float* vhat)
{
    if (vhat == nullptr) {
        for (std::int64_t i = 0; i < n; ++i) {
            const float mi = beta_1 * m[i] + (1.0f - beta_1) * g[i];
            const float vi = beta_2 * v[i] + (1.0f - beta_2) * g[i] * g[i];
            m[i] = mi;
            v[i] = vi;
            w[i] -= alpha * mi / (std::sqrt(vi) + epsilon);
        }
        return;
    }
    for (std::int64_t i = 0; i < n; ++i) {
        const float mi = beta_1 * m[i] + (1.0f - beta_1) * g[i];
        const float vi = beta_2 * v[i] + (1.0f - beta_2) * g[i] * g[i];
        const float highest = std::max(vhat[i], vi);
        m[i] = mi;
        v[i] = vi;
        vhat[i] = highest;
        w[i] -= alpha * mi / (std::sqrt(highest) + epsilon);
    }
}

MLRUN_VECTOR_CLONES void sgd_update(std::int64_t n, float lr, float momentum, bool nesterov, float* w,
                                    const float* g, float* velocity)
{
    if (momentum == 0.0f || velocity == nullptr) {
        for (std::int64_t i = 0; i < n; ++i) w[i] -= lr * g[i];
        return;
    }
    for (std::int64_t i = 0; i < n; ++i) {
        const float vi = momentum * velocity[i] - lr * g[i];
        velocity[i] = vi;
        w[i] += nesterov ? momentum * vi - lr * g[i] : vi;
    }
}

MLRUN_VECTOR_CLONES void rmsprop_update(std::int64_t n, float lr, float rho, float momentum, float epsilon,
                                        float* w, const float* g, float* ms, float* mom, float* mg)
{
    const bool use_momentum = mom != nullptr && momentum > 0.0f;
    for (std::int64_t i = 0; i < n; ++i) {
        const float msi = rho * ms[i] + (1.0f - rho) * g[i] * g[i];
        ms[i] = msi;
        float denom = msi;
        if (mg != nullptr) {
            const float mgi = rho * mg[i] + (1.0f - rho) * g[i];
            mg[i] = mgi;
            denom -= mgi * mgi;
        }
        const float step = lr * g[i] / std::sqrt(denom + epsilon);
        if (use_momentum) {
            const float momi = momentum * mom[i] + step;
            mom[i] = momi;
            w[i] -= momi;
        } else {
            w[i] -= step;
        }
    }
}

}  // namespace mlrun::vector_kernels
