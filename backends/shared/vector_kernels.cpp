// Built with -fno-math-errno (so sqrt vectorises) and -ffp-contract=off (so
// no multiply-add is fused and the results stay those of the reference).
// Each loop is compiled twice, for AVX2+FMA machines (x86-64-v3) and for
// the baseline, and the loader picks the clone the CPU supports. AVX-512
// clones were measured no faster here for the floating-point loops: they
// are bound by memory and by sqrt/div throughput, not by vector width.
#include "vector_kernels.hpp"

#include "mlrun/abi/mlrun_dropout.h"

#include <immintrin.h>

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

namespace {

MLRUN_VECTOR_CLONES_INT64 void dropout_forward_loop(std::int64_t first, std::int64_t n, float rate, std::uint64_t seed,
                                                   const float* x, float* mask, float* y)
{
    const float keep_scale = 1.0f / (1.0f - rate);
    for (std::int64_t i = 0; i < n; ++i) {
        const std::uint64_t index = static_cast<std::uint64_t>(first + i);
        mask[i] = mlrun_dropout_uniform(seed, index) >= rate ? keep_scale : 0.0f;
        y[i] = x[i] * mask[i];
    }
}

// AVX2 has no 64-bit vector multiply, so the compiler leaves the hash
// scalar there; built from 32-bit products it runs four lanes at once.
// a * c mod 2^64 = lo(a) lo(c) + ((hi(a) lo(c) + lo(a) hi(c)) << 32).
__attribute__((target("avx2"))) inline __m256i multiply_u64(__m256i a, __m256i c_lo, __m256i c_hi)
{
    const __m256i low = _mm256_mul_epu32(a, c_lo);
    const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), c_lo), _mm256_mul_epu32(a, c_hi));
    return _mm256_add_epi64(low, _mm256_slli_epi64(cross, 32));
}

// mlrun_dropout_uniform's 24 bits for four consecutive indices, as 32-bit
// integers in the low dword of each 64-bit lane.
__attribute__((target("avx2"))) inline __m256i dropout_bits(__m256i z)
{
    const __m256i c1_lo = _mm256_set1_epi64x(0xBF58476D1CE4E5B9ll & 0xFFFFFFFFll);
    const __m256i c1_hi = _mm256_set1_epi64x(static_cast<std::int64_t>(0xBF58476D1CE4E5B9ull >> 32));
    const __m256i c2_lo = _mm256_set1_epi64x(0x94D049BB133111EBll & 0xFFFFFFFFll);
    const __m256i c2_hi = _mm256_set1_epi64x(static_cast<std::int64_t>(0x94D049BB133111EBull >> 32));
    z = multiply_u64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 30)), c1_lo, c1_hi);
    z = multiply_u64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 27)), c2_lo, c2_hi);
    z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
    return _mm256_srli_epi64(z, 40);
}

__attribute__((target("avx2"))) void dropout_forward_avx2(std::int64_t first, std::int64_t n, float rate,
                                                          std::uint64_t seed, const float* x, float* mask, float* y)
{
    constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ull;
    const float keep_scale = 1.0f / (1.0f - rate);
    // z of lane j starts at seed + (first + j + 1) * golden and steps by 8 * golden.
    const std::uint64_t z0 = seed + (static_cast<std::uint64_t>(first) + 1u) * golden;
    __m256i z_low = _mm256_setr_epi64x(static_cast<std::int64_t>(z0), static_cast<std::int64_t>(z0 + golden),
                                       static_cast<std::int64_t>(z0 + 2 * golden), static_cast<std::int64_t>(z0 + 3 * golden));
    __m256i z_high = _mm256_add_epi64(z_low, _mm256_set1_epi64x(static_cast<std::int64_t>(4 * golden)));
    const __m256i step = _mm256_set1_epi64x(static_cast<std::int64_t>(8 * golden));
    const __m256i even_dwords = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m256 unit = _mm256_set1_ps(1.0f / 16777216.0f);
    const __m256 rate_v = _mm256_set1_ps(rate);
    const __m256 keep_v = _mm256_set1_ps(keep_scale);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i low = _mm256_permutevar8x32_epi32(dropout_bits(z_low), even_dwords);
        const __m256i high = _mm256_permutevar8x32_epi32(dropout_bits(z_high), even_dwords);
        // Exact: the bits are below 2^24, and scaling by 2^-24 rounds nothing.
        const __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_permute2x128_si256(low, high, 0x20)), unit);
        const __m256 m = _mm256_and_ps(_mm256_cmp_ps(u, rate_v, _CMP_GE_OQ), keep_v);
        _mm256_storeu_ps(mask + i, m);
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), m));
        z_low = _mm256_add_epi64(z_low, step);
        z_high = _mm256_add_epi64(z_high, step);
    }
    dropout_forward_loop(first + i, n - i, rate, seed, x + i, mask + i, y + i);
}

}  // namespace

void dropout_forward(std::int64_t first, std::int64_t n, float rate, std::uint64_t seed, const float* x, float* mask,
                     float* y)
{
    // AVX-512 DQ multiplies 64-bit lanes itself: its clone of the plain loop is the fast one there.
    static const bool use_avx2 = __builtin_cpu_supports("avx2") && !__builtin_cpu_supports("avx512dq");
    if (use_avx2) {
        dropout_forward_avx2(first, n, rate, seed, x, mask, y);
    } else {
        dropout_forward_loop(first, n, rate, seed, x, mask, y);
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
